import { z } from 'zod';
import type { CardActionType } from '../domain/card-action-type.js';
import type { Command } from '../domain/commands.js';
import type { Db } from '../db/client.js';
import type { UnitRow } from '../db/repos/units.js';
import type { UnitRole } from '../domain/units-people.js';
import type { CardAction, IncomingEvent, IncomingMessage } from '../domain/incoming.js';
import type { JobType } from '../domain/job-type.js';
import { PermanentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { BurstPresenter } from './acknowledge-burst.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';

export interface JobAttempt {
  attempts: number;
  maxAttempts: number;
  /**
   * Marks the job done inside the handler's last transaction (its row changes with the result); the
   * worker then does not finish it again. Only in a transaction whose failure the handler throws on.
   */
  finishIn?: (tx: Db) => Promise<void>;
}

/** A job kind a feature handles: its declared type, the handler, and what happens when it dies. */
export interface JobDeclaration<P> {
  type: JobType<P>;
  handle(payload: P, log: Logger, attempt: JobAttempt): Promise<void>;
  /** The job died with its worker on the last attempt (the handler never saw it fail). */
  onDead?(payload: P, log: Logger): Promise<void>;
}

/** A job declaration with its payload type checked at the boundary (the row's JSON). */
export interface DeclaredJob {
  readonly name: string;
  run(raw: unknown, log: Logger, attempt: JobAttempt): Promise<void>;
  dead(raw: unknown, log: Logger): Promise<void>;
}

/**
 * Declares a job handler. The claimed row's payload is parsed with the type's schema first: a row
 * that does not match fails for good (PermanentError → `dead`, with the schema's complaint as
 * `last_error`) instead of reaching the handler.
 */
export function jobHandler<P>(d: JobDeclaration<P>): DeclaredJob {
  const parse = (raw: unknown): P => {
    const res = d.type.payload.safeParse(raw);
    if (!res.success)
      throw new PermanentError(
        'bad_job_payload',
        `job ${d.type.name}: payload does not match its declaration: ${z.prettifyError(res.error)}`,
      );
    return res.data;
  };
  return {
    name: d.type.name,
    run: (raw, log, attempt) => d.handle(parse(raw), log, attempt),
    dead: async (raw, log) => {
      if (d.onDead) await d.onDead(parse(raw), log);
    },
  };
}

/** A card button's click with its value parsed by the action's schema. */
export type TypedCardAction<V> = Omit<CardAction, 'value'> & { value: V };

export interface CardActionDeclaration<V> {
  type: CardActionType<V>;
  handle(deps: BotDeps, action: TypedCardAction<V>): Promise<CardResponse>;
}

export interface DeclaredCardAction {
  readonly name: string;
  /** The toast for a click whose value does not match (its direct-chat wording when it names `resend`). */
  readonly stale: string;
  /** The command the toast names, written with the @ when tapped in a group (CardActionType.resend). */
  readonly resend?: string;
  /** undefined: the value does not match the declaration (forged or from an older card). */
  parse(action: CardAction): TypedCardAction<unknown> | undefined;
  handle(deps: BotDeps, action: TypedCardAction<unknown>): Promise<CardResponse>;
}

export function cardAction<V>(d: CardActionDeclaration<V>): DeclaredCardAction {
  return {
    name: d.type.name,
    stale: d.type.stale,
    ...(d.type.resend ? { resend: d.type.resend } : {}),
    parse: (action) => {
      const value = d.type.parse(action.value);
      return value === undefined ? undefined : { ...action, value };
    },
    handle: (deps, action) => d.handle(deps, action as TypedCardAction<V>),
  };
}

/** What the dispatcher found while admitting a command: the unit its roles were checked on. */
export interface CommandAccess {
  unit?: UnitRow;
}

export type CommandHandler = (
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: Command,
  access: CommandAccess,
) => Promise<void>;

/**
 * Who may run a command. The dispatcher (`handle-command.ts`) checks it before the handler runs and
 * refuses anyone else with one reply; handlers never check the roles a command needs themselves.
 */
export type CommandAudience = 'everyone' | RoleAudience;

/** Which unit the command means, asked when its words name several equally (pick-unit.ts whichUnitText). */
export interface UnitQuestion {
  units: UnitRow[];
  question: string;
}

export interface RoleAudience {
  /** The roles that may run it, held on the command's unit or a unit above it. */
  roles: readonly UnitRole[];
  /** What the refusal says others may not do: 「只有档案员或管理员可以确认归档。」 */
  doing: string;
  /**
   * The unit the command acts on, read from the message (named in it, else the chat's): the roles
   * must cover it, and the handler gets it as `access.unit`. undefined (none named, or the request is
   * incomplete): a holder of one of the roles on any unit goes on to the handler, which says what is
   * missing. A question (the words name two 东村 equally): asked instead, of someone holding the roles
   * on one of them; anyone else is refused.
   */
  unit?(deps: BotDeps, msg: IncomingMessage, cmd: Command): Promise<UnitRow | UnitQuestion | undefined>;
  /** Someone without the roles who may run it too, named in the refusal (绑定: 把我拉进群的人). */
  orElse?: { who: string; test(deps: BotDeps, msg: IncomingMessage): Promise<boolean> };
}

/** A chat command: the words that call it, who it is for, its line in the help card, the handler. */
export interface CommandDeclaration {
  name: string;
  /** The words (case-insensitive) that call it; the first is the one the help card shows. */
  words: string[];
  /** Words that may be written glued to the argument (绑定城关村, 查公示); `except` starts are not. */
  glued?: { word: string; except?: RegExp };
  /** Words that call it in a group without the @ when they are the whole message (帮助). */
  bare?: readonly string[];
  /** Who may run it (checked before the handler; the help card lists only what the reader may run). */
  who: CommandAudience;
  /** How it is written in the help card, e.g. `绑定 单位名称`. */
  usage: string;
  /** One line, Chinese, for the help card. */
  help: string;
  handle: CommandHandler;
}

/** Repeats `run` every `everyMs` of `clock` (default: the bot's clock). */
export interface TimerDeclaration {
  name: string;
  everyMs: number;
  /** The system clock for timers that must not follow a test's manual clock (hourly pruning). */
  clock?: Clock;
  /** Also run once when the bot starts. */
  atStart?: boolean;
  run(): Promise<unknown>;
}

/** Something that runs while the bot runs (the cron timers): started after the workers. */
export interface ServiceDeclaration {
  name: string;
  start(): () => Promise<void>;
  /** Resolves when nothing it started is in flight. */
  idle?(): Promise<void>;
}

export type BotAddedEvent = Extract<IncomingEvent, { kind: 'bot_added' }>;
export type BotRemovedEvent = Extract<IncomingEvent, { kind: 'bot_removed' }>;

/**
 * A web page route (查阅利用) as the registry sees it: what makes it unique. The full declaration
 * (who may call it, its handler) is `PageRoute` in `http/page-routes.ts`, which this layer cannot name.
 */
export interface RouteDeclaration {
  method: string;
  /** '/units/:id' */
  path: string;
}

/**
 * How the bot takes a user message: a `command`, answered by its handler once recorded; a `message`
 * (materials, captions, notes), captured; `unclear` — a text to the bot (sent directly, or after the @ in
 * a group) that names no command: one sent with photos or files is their caption (「村委会议 3月」,
 * 「@归档助手 #C03 村两委会议照片」), so it is captured like a message and answered with the hint only when
 * no materials come with it; or `chatter` — a text that is no caption (「好的」, 「@张会计 你看下」:
 * `domain/chatter.ts`), kept but never read as one.
 */
export type MessageUse = 'command' | 'message' | 'unclear' | 'chatter';

/** What one capability adds to the bot (`Route`: the composition root's page route type; none by default). */
export interface Feature<Route extends RouteDeclaration = never> {
  name: string;
  jobs?: DeclaredJob[];
  cardActions?: DeclaredCardAction[];
  commands?: CommandDeclaration[];
  timers?: TimerDeclaration[];
  services?: ServiceDeclaration[];
  /** Web page routes it serves; the composition root mounts them. */
  routes?: readonly Route[];
  /**
   * Called for every user message (capture of materials, captions, notes). `finishIn`, when given,
   * marks the message's event done: the hook calls it last in the transaction that records the
   * message (given only to the last hook, and never for a command, whose handler runs after).
   */
  onMessage?(
    deps: BotDeps,
    msg: IncomingMessage,
    log: Logger,
    use: MessageUse,
    finishIn?: (tx: Db) => Promise<void>,
  ): Promise<void>;
  /**
   * Its onMessage keeps an `unclear` text as a possible caption and answers it later when no
   * materials came with it (capture). Without such a feature the text is answered at once.
   */
  holdsUnclearText?: boolean;
  onBotAdded?(deps: BotDeps, e: BotAddedEvent): Promise<void>;
  onBotRemoved?(deps: BotDeps, e: BotRemovedEvent): Promise<void>;
  /** Turns a closed burst into its reply (at most one feature; else a plain acknowledgment). */
  presentBurst?: BurstPresenter;
}
