/**
 * The server side of `npm run bench:intake`, run in its own process so the load generator does not share
 * its event loop. Usage (started by bench/intake.ts):
 *
 *   node --import tsx bench/intake-server.ts <bare|insert|intake> <none|pglite|postgres>
 *   node --import tsx bench/intake-server.ts init pglite   (create + migrate BENCH_DATA_DIR, print READY, exit)
 *   env: BENCH_DATA_DIR (pglite), BENCH_DATABASE_URL (postgres),
 *        BENCH_WORKAROUNDS (comma list, default none; applied to the opened database, never to src/):
 *          pglite-parsers  install drizzle's result parsers in PGlite once and stop passing them per query
 *                          (PGlite copies its ~320-entry parser map for every query that passes `parsers`)
 *
 * Prints `PORT <n>` on stdout once listening. Talks to the parent over the IPC channel:
 * `{ cmd: 'rows' }` → `{ rows: number, eventIds: string[] }`, `{ cmd: 'stop' }` → closes and exits 0.
 * The workers are NOT started: this measures intake only (verify → decrypt → dedupe → store → 200).
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDb, queryRows, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { larkWebhookRoute } from '../src/http/lark-webhook-route.js';
import { readRawBody } from '../src/http/read-raw-body.js';
import { handleWebhookRequest } from '../src/lark/webhook-intake.js';
import { silentLogger } from '../src/logger.js';
import { Metrics } from '../src/metrics.js';
import { systemClock } from '../src/ports/clock.js';
import { recordInboundEvent } from '../src/usecases/record-inbound-event.js';
import { BENCH_ENV, isDbKind, isVariant, type DbKind, type Variant } from './lib/variants.js';

const [variantArg, dbArg] = process.argv.slice(2);
const initOnly = variantArg === 'init' && dbArg === 'pglite';
if (!initOnly && (!isVariant(variantArg) || !isDbKind(dbArg))) {
  console.error('usage: intake-server.ts <bare|insert|intake> <none|pglite|postgres> | init pglite');
  process.exit(2);
}
const variant = variantArg as Variant;
const dbKind = dbArg as DbKind;

const workarounds = new Set((process.env.BENCH_WORKAROUNDS ?? '').split(',').filter(Boolean));

async function openBenchDb(kind: DbKind): Promise<Database | undefined> {
  if (kind === 'none') return undefined;
  if (kind === 'pglite') {
    const dataDir = process.env.BENCH_DATA_DIR;
    if (!dataDir) throw new Error('BENCH_DATA_DIR is required for pglite');
    const database = await openDb({ dataDir });
    await migrate(database);
    if (workarounds.has('pglite-parsers')) skipPerQueryParsers((database.db as any).$client);
    return database;
  }
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required for postgres');
  // Migrated by the parent (migratePostgresUrl) when it created the database.
  const database = await openDb({ databaseUrl, dataDir: '/nonexistent' });
  return database;
}

/**
 * PGlite: drizzle passes the same `parsers` option with every query and PGlite merges it into its own map
 * (`{...this.parsers, ...options.parsers}`, ~320 entries) each time. Install them once instead.
 */
function skipPerQueryParsers(client: any): void {
  const query = client.query.bind(client);
  let installed = false;
  client.query = (text: string, params?: unknown[], options?: { parsers?: object }) => {
    if (!options?.parsers) return query(text, params, options);
    if (!installed) {
      Object.assign(client.parsers, options.parsers);
      installed = true;
    }
    return query(text, params, { ...options, parsers: undefined });
  };
}

/** Variant 1: the cheapest possible Koa answer. Does not even read the body. */
function bareApp(): Koa {
  const app = new Koa();
  app.silent = true;
  app.use((ctx) => {
    ctx.status = 200;
    ctx.body = {};
  });
  return app;
}

/**
 * Variant 2: the cost floor of a durable acknowledgment — read the body (same helper and cap as the real
 * route), one plain INSERT into inbound_events through the same driver (random event_id, the raw body as
 * payload: no dedupe key, no ON CONFLICT, no RETURNING), answer.
 */
function insertApp(database: Database, bodyLimitBytes: number): Koa {
  const app = new Koa();
  app.silent = true; // errors become 500s, counted by the parent
  app.use(async (ctx) => {
    const raw = await readRawBody(ctx.req, bodyLimitBytes);
    // An ISO string, not a Date: works with both drivers (see pg-dates above).
    const now = new Date().toISOString();
    await database.db.execute(
      sql`insert into inbound_events (event_id, event_type, source, payload, received_at, next_attempt_at)
          values (${randomUUID()}, 'bench.insert', 'bench', ${raw.toString('utf8')}::jsonb, ${now}, ${now})`,
    );
    ctx.status = 200;
    ctx.body = {};
  });
  return app;
}

/** Variant 3: the real intake, wired like src/bot.ts does in webhook mode (minus the workers). */
function intakeApp(database: Database): Koa {
  const config = loadConfig(BENCH_ENV);
  const logger = silentLogger();
  const metrics = new Metrics();
  const clock = systemClock;
  const larkWebhook = larkWebhookRoute({
    bodyLimitBytes: config.webhook.bodyLimitBytes,
    logger,
    metrics,
    handle: (req) =>
      handleWebhookRequest(
        {
          lark: config.lark,
          webhook: config.webhook,
          clock,
          metrics,
          record: (event) => recordInboundEvent({ db: database.db, clock, metrics }, event),
          onCardAction: async () => ({}),
        },
        req,
      ),
  });
  return buildApp({ logger, metrics, larkWebhook, ready: async () => ({ ok: true, checks: {} }) });
}

async function main(): Promise<void> {
  const database = await openBenchDb(dbKind);
  if (initOnly) {
    // A template folder: PGlite's first boot (initdb) is the slow part; copying its result is not.
    await database!.close();
    process.stdout.write('READY\n');
    process.exit(0);
  }
  if (database && variant === 'bare') throw new Error('the bare variant takes no database');
  if (!database && variant !== 'bare') throw new Error(`the ${variant} variant needs a database`);
  // Every variant starts from an empty table, so both DB variants see the same index sizes.
  if (database) await database.db.execute(sql`truncate inbound_events restart identity`);

  const bodyLimitBytes = loadConfig(BENCH_ENV).webhook.bodyLimitBytes;
  const app =
    variant === 'bare'
      ? bareApp()
      : variant === 'insert'
        ? insertApp(database!, bodyLimitBytes)
        : intakeApp(database!);
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database?.close();
    process.exit(code);
  };

  process.on('message', (msg: { cmd?: string }) => {
    void (async () => {
      try {
        if (msg.cmd === 'rows') {
          if (!database) return process.send?.({ rows: 0, eventIds: [] });
          const rows = await queryRows<{ event_id: string }>(
            database.db,
            sql`select event_id from inbound_events order by id`,
          );
          process.send?.({ rows: rows.length, eventIds: rows.map((r) => r.event_id) });
        } else if (msg.cmd === 'stop') {
          await stop(0);
        }
      } catch (err) {
        console.error('intake-server:', err);
        process.send?.({ error: String(err) });
      }
    })();
  });
  // The parent died or closed the channel: never outlive it (and never keep the PGlite folder locked).
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  process.stdout.write(`PORT ${address.port}\n`);
}

main().catch((err) => {
  console.error('intake-server failed:', err);
  process.exit(1);
});
