import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { openPostgres } from '../db/client.js';
import { toolEnvironment } from '../child-environment.js';
import { AppError } from '../errors.js';
import { pgRestoreMissing } from './pg-restore.js';
import type { DumpObject } from './restore-marker.js';

const DROPPED_KINDS = [
  'MATERIALIZED VIEW',
  'VIEW',
  'TABLE',
  'SEQUENCE',
  'FUNCTION',
  'PROCEDURE',
  'AGGREGATE',
  'TYPE',
  'DOMAIN',
  'SCHEMA',
] as const;

/**
 * Entry kinds of `pg_restore --list` that begin with a dropped kind's words but are something else
 * (data, sequence values, ownership, partitions): a line's kind is the longest of these that matches.
 */
const OTHER_KINDS = [
  'TABLE DATA',
  'TABLE ATTACH',
  'SEQUENCE SET',
  'SEQUENCE OWNED BY',
  'MATERIALIZED VIEW DATA',
  'DOMAIN CONSTRAINT',
  'TYPE CONSTRAINT',
] as const;

/**
 * The top-level objects a custom-format dump creates, from `pg_restore --list` (lines
 * `id; catalog oid KIND schema name owner`); what else it creates (indexes, constraints, triggers,
 * defaults, data) goes with them. Kinds match whole (`TABLE DATA public t` is not a TABLE in schema `DATA`).
 */
export function dumpObjects(dump: string): DumpObject[] {
  const res = spawnSync('pg_restore', ['--list', dump], { encoding: 'utf8', env: toolEnvironment() });
  if (res.error) throw pgRestoreMissing(res.error);
  if (res.status !== 0)
    throw new AppError('pg_restore_failed', `pg_restore --list 失败：${res.stderr.trim()}`);
  const objects: DumpObject[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /^\d+; (\d+) \d+ (.+)$/.exec(line);
    if (!m || m[1] === '0') continue;
    const matched = [...DROPPED_KINDS, ...OTHER_KINDS]
      .filter((k) => m[2]!.startsWith(`${k} `))
      .sort((a, b) => b.length - a.length)[0];
    const kind = DROPPED_KINDS.find((k) => k === matched);
    if (!kind) continue;
    const rest = m[2]!.slice(kind.length + 1).split(' ');
    if (rest.length < 3) continue;
    const [schema, ...tail] = rest;
    tail.pop(); // the owner
    objects.push({ kind, schema: schema!, name: tail.join(' ') });
  }
  return objects;
}

/** Drops the objects a restore's dump created (if they exist), in one transaction. */
export async function dropObjects(url: string, objects: DumpObject[]): Promise<void> {
  const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;
  const order = (o: DumpObject) => DROPPED_KINDS.indexOf(o.kind as (typeof DROPPED_KINDS)[number]);
  const statements = objects
    .filter((o) => order(o) >= 0 && !(o.kind === 'SCHEMA' && o.name === 'public'))
    .sort((a, b) => order(a) - order(b))
    .map((o) => {
      if (o.kind === 'SCHEMA') return `drop schema if exists ${quote(o.name)} cascade`;
      const routine = ['FUNCTION', 'PROCEDURE', 'AGGREGATE'].includes(o.kind);
      // A routine's name carries its argument types: `name(type, type)`.
      const open = o.name.indexOf('(');
      const name =
        routine && open > 0 ? `${quote(o.name.slice(0, open))}${o.name.slice(open)}` : quote(o.name);
      return `drop ${o.kind.toLowerCase()} if exists ${quote(o.schema)}.${name} cascade`;
    });
  if (statements.length === 0) return;
  const database = openPostgres(url, 1);
  try {
    await database.db.transaction(async (tx) => {
      for (const s of statements) await tx.execute(sql.raw(s));
    });
  } finally {
    await database.close();
  }
}
