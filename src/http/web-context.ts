import type Koa from 'koa';
import type { Db } from '../db/client.js';
import type { UnitRow } from '../db/repos/units.js';
import type { QuietHours } from '../domain/quiet-hours.js';
import type { UnitRole } from '../domain/units-people.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { LarkOAuthConfig } from '../lark/oauth.js';
import type { PersonInChat } from '../usecases/chat-member-names.js';
import type { UrgeOutcome } from '../usecases/urge-now.js';
import type { UrgeMessages, UrgeReaders } from '../usecases/urge-readers.js';

/** What the page routes need from the bot. */
export interface WebDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  blobs: BlobStore;
  timeZone: string;
  /** schedules.yaml quietHours: a 督办 pressed inside them goes out at their end (none when absent). */
  quietHours?: QuietHours;
  oauth: LarkOAuthConfig;
  /** PUBLIC_URL, when configured; otherwise sign-in works only by this machine's own address (signInOrigin). */
  publicUrl?: string;
  secret: string;
  sessionHours: number;
  /** DATA_DIR/reports: the four-properties runs' folders (their reports are downloaded by run id). */
  reportsDir: string;
  /** 督办: a reminder to the chat(s) of a unit now, at most once per chat per day. */
  urge(input: { unitId: number; taskId?: number; by: string; byName?: string }): Promise<UrgeOutcome>;
  /** Who read the last 督办 (Lark's read receipts, cached a minute, waited for briefly; never throws). */
  urgeReaders(urge: UrgeMessages): Promise<UrgeReaders>;
  /** The same for a page's rows (each unit's last 督办), with one short wait for them all. */
  urgeReadersOfRows(urges: ReadonlyMap<number, UrgeMessages>): Promise<Map<number, UrgeReaders>>;
  /**
   * People's names (open_id → name): the people table, else the member list Lark gives for the chat each
   * was seen in (chatMemberNames: a short wait at most, never throws).
   */
  chatMemberNames(people: readonly PersonInChat[]): Promise<Map<string, string>>;
}

/** The signed-in person and the units they may see (each with its subtree). */
export interface Viewer {
  openId: string;
  name: string;
  /** Units the person holds any role on, without units inside another root. */
  roots: UnitRow[];
  roles: { unitId: number; path: string; role: UnitRole }[];
  csrf: string;
  /** The session's id (its row in web_sessions): 退出 ends it. */
  sessionId: string;
}

export interface PageContext {
  koa: Koa.Context;
  deps: WebDeps;
  params: Record<string, number>;
  /** Set on routes that are not public. */
  viewer: Viewer;
  /** The urlencoded body of a POST (CSRF already checked). */
  form: Record<string, string>;
}

export type PageHandler = (c: PageContext) => Promise<void>;

/** May the viewer see this unit (a unit path)? Roles hold for the unit and its whole subtree. */
export const canSee = (viewer: Viewer, unitPath: string): boolean =>
  viewer.roots.some((r) => unitPath.startsWith(r.path));

/** Does the viewer hold one of `roles` on this unit or above it? */
export const holdsRole = (viewer: Viewer, unitPath: string, roles: readonly UnitRole[]): boolean =>
  viewer.roles.some((r) => roles.includes(r.role) && unitPath.startsWith(r.path));

/** Thrown by a handler: the dispatcher answers the not-found page (same for "exists but not yours"). */
export class NotFound extends Error {
  constructor() {
    super('not found');
  }
}
