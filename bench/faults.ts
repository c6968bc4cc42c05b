/**
 * npm run bench:faults [-- --pushes N] — the crash run of issue 12, repeatable.
 *
 * Per database (PGlite; PostgreSQL when BENCH_PG_URL is reachable): the real `npm start` in webhook
 * mode against the fake Lark; N signed and encrypted pushes (default 3,000: texts, and every third
 * one a 20 KB photo the fake serves) from 20 chats, 16 in flight; the bot process is killed with
 * SIGKILL at BENCH_KILLS (2) random points and started again at once; after the last start, every push
 * that was not acknowledged and 10% of those that were are delivered again (as Lark does). When the
 * queues are empty and nothing was sent for 5 s, the bot is stopped and the database, the files and the
 * fake's sends are checked:
 *   lost           pushes whose message was never recorded
 *   duplicated     messages / materials recorded twice, or a burst answered by more than one reply
 *   incomplete     photos not stored, bursts without a recorded reply, events not processed
 *   wrong-hash     stored photos whose SHA-256 (recorded, and re-read from disk) differs from what was served
 *   temp-files     files left in files/tmp
 *   restart→last reply  seconds from the last restart to the last reply the fake received (includes
 *                  the pushes still sent after that restart: a chat's burst stays open while its
 *                  messages keep coming, so most replies go out after the last push)
 *   last push→last reply  seconds from the last push (redeliveries included) to the last reply: how
 *                  long recovered and pending work takes to be answered once traffic stops
 * Targets (issue 12): 0 lost, 0 duplicated, 0 temp files, every reply within 30 s of the restart
 * (read as: of the last push, when pushes continue after the restart).
 * Env: BENCH_DBS (pglite,postgres), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test; a fresh
 * database is created and dropped), BENCH_KILLS (2); BENCH_TRACE=1 prints the queues,
 * bursts and materials every 2 s after the last push (PostgreSQL); WORKER_* and JOB_* settings are
 * passed to the bot, to compare concurrency settings.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDb, queryRows, type Database } from '../src/db/client.js';
import { webhookBotEnv } from '../test/support/bot-process.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../test/support/events.js';
import { startFakeLark, type FakeLark } from '../test/support/fake-lark/server.js';
import { signedRequest } from '../test/support/lark-sign.js';
import { markdownTable } from './lib/markdown-table.js';
import { createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const PUSHES = Number(arg('pushes') ?? process.env.BENCH_PUSHES ?? 3000);
const KILLS = Number(process.env.BENCH_KILLS ?? 2);
const DBS = (process.env.BENCH_DBS ?? 'pglite,postgres').split(',').map((s) => s.trim());
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_FLIGHT = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Push {
  body: object;
  messageId: string;
  photoSha?: string;
  acked: boolean;
}

interface Bot {
  child: ChildProcess;
  url: string;
  pid: number;
  exit: Promise<unknown>;
}

/** `npm start` (what the operator runs); resolves once it logged `bot started` (its url and pid). */
async function startBot(env: Record<string, string>): Promise<Bot> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise((r) => child.once('exit', r));
  let buf = '';
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 180 s: ${err}`)), 180_000);
    child.stdout!.on('data', (d) => {
      buf += String(d);
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.includes('"bot started"')) continue;
        const j = JSON.parse(line) as { url: string };
        clearTimeout(timer);
        // npm runs the bot as its child (sh execs node, which runs dist/main.js in-process).
        const pgrep = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' });
        const pid = Number(pgrep.stdout.trim().split('\n')[0]);
        if (!pid) return reject(new Error('cannot find the bot process under npm'));
        resolve({ child, url: j.url, pid, exit });
      }
    });
    void exit.then(() => reject(new Error(`bot exited before it started: ${err}`)));
  });
}

async function post(url: string, p: Push): Promise<boolean> {
  const req = signedRequest(p.body, TEST_ENCRYPT_KEY);
  try {
    const res = await fetch(`${url}/lark/events`, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Sum of pending + processing rows of both queues, from /metrics (refreshed every second). */
async function queued(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(
    /^queue_(?:inbound_events|jobs)_rows\{status="(pending|processing)"\} (\d+)/gm,
  ))
    n += Number(m[2]);
  return n;
}

interface Row {
  db: string;
  pushes: number;
  kills: number;
  redelivered: number;
  lost: number;
  duplicated: number;
  incomplete: number;
  wrongHash: number;
  tempFiles: number;
  restartToLastReply: number;
  pushesAfterRestart: number;
  lastPushToLastReply: number;
}

async function runOne(kind: 'pglite' | 'postgres'): Promise<Row> {
  const fake: FakeLark = await startFakeLark();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-faults-'));
  const pgName = `bench_faults_${randomBytes(4).toString('hex')}`;
  const pgUrl = withDatabase(PG_URL, pgName);
  if (kind === 'postgres') await createDatabase(PG_URL, pgName);
  const env = {
    ...webhookBotEnv(fake, dataDir),
    BURST_QUIET_SECONDS: '1',
    ALERT_CHECK_MINUTES: '0',
    METRICS_REFRESH_SECONDS: '1',
    MIN_FREE_DISK_MB: '1',
    ...(kind === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => /^(WORKER_|JOB_|NODE_OPTIONS$)/.test(k)),
    ),
  } as Record<string, string>;
  try {
    // The pushes: 20 chats, a sender each; every third a photo.
    const pushes: Push[] = [];
    for (let i = 0; i < PUSHES; i++) {
      const chatId = `oc_bench_${i % 20}`;
      const senderOpenId = `ou_bench_${i % 20}`;
      if (i % 3 === 2) {
        const bytes = randomBytes(20_000);
        const key = `img_bench_${i}`;
        const ev = messageEvent({
          appId: fake.appId,
          chatId,
          senderOpenId,
          msgType: 'image',
          content: { image_key: key },
        });
        fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes });
        pushes.push({ body: ev, messageId: ev.event.message.message_id, photoSha: sha(bytes), acked: false });
      } else {
        const ev = messageEvent({
          appId: fake.appId,
          chatId,
          senderOpenId,
          content: { text: `第 ${i} 条说明` },
        });
        pushes.push({ body: ev, messageId: ev.event.message.message_id, acked: false });
      }
    }
    const killAt = new Set(
      Array.from({ length: KILLS }, () => Math.floor(PUSHES * (0.1 + 0.8 * Math.random()))),
    );

    let bot = await startBot(env);
    let restartedAt = Date.now();
    let kills = 0;
    let next = 0;
    let restarting: Promise<void> | undefined;
    let afterRestart = 0;
    const killAndRestart = async () => {
      kills++;
      // kill -9 the bot itself (npm is only its parent), then start again at once.
      process.kill(bot.pid, 'SIGKILL');
      await bot.exit;
      restartedAt = Date.now();
      bot = await startBot(env);
    };
    const worker = async () => {
      while (next < pushes.length) {
        const i = next++;
        if (killAt.has(i)) {
          killAt.delete(i);
          await restarting;
          restarting = killAndRestart();
        }
        // Pushes in flight at the kill fail, as Lark's do (redelivered later); new ones wait for the
        // restart, as Lark's retries would.
        await restarting;
        if (kills > 0 && kills === KILLS) afterRestart++;
        pushes[i]!.acked = await post(bot.url, pushes[i]!);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await restarting;

    // Lark redelivers what was not acknowledged, and some of what was.
    const again = pushes.filter((p) => !p.acked || Math.random() < 0.1);
    for (let i = 0; i < again.length; i += IN_FLIGHT)
      await Promise.all(
        again.slice(i, i + IN_FLIGHT).map(async (p) => {
          for (let t = 0; t < 5 && !(await post(bot.url, p)); t++) await sleep(1000);
        }),
      );
    const lastPushAt = Date.now();
    let trace: NodeJS.Timeout | undefined;
    if (process.env.BENCH_TRACE && kind === 'postgres') {
      const t0 = Date.now();
      const peek = await openDb({ dataDir, databaseUrl: pgUrl });
      const show = async () => {
        const rows = await queryRows<{ k: string; n: number }>(
          peek.db,
          sql`select 'ev:' || status as k, count(*)::int as n from inbound_events where status in ('pending','processing') group by 1
              union all select 'job:' || kind || ':' || status, count(*)::int from jobs where status in ('pending','processing') group by 1
              union all select 'burst:' || status || (case when ack_message_id is null then '' else ':acked' end), count(*)::int from bursts group by 1
              union all select 'mat:' || status, count(*)::int from materials group by 1`,
        );
        console.log(((Date.now() - t0) / 1000).toFixed(1), rows.map((r) => `${r.k}=${r.n}`).join(' '));
      };
      await show();
      trace = setInterval(() => void show().catch(() => {}), 2000);
      setTimeout(() => void peek.close(), 10 * 60_000).unref();
    }

    // Quiet: queues empty and no send for 5 s (bursts close 1 s after their last item).
    let lastSends = -1;
    let stableSince = Date.now();
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      const sends = fake.sentMessages().length;
      const busy = await queued(bot.url).catch(() => 1);
      if (busy > 0 || sends !== lastSends) {
        lastSends = sends;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 5000) break;
      if (Date.now() > deadline) throw new Error('the bot did not settle within 20 minutes');
      await sleep(500);
    }
    clearInterval(trace);
    const replies = fake.sentMessages().filter((m) => m.replyTo);
    const replyTimes = fake.callsTo('POST', /\/reply$/).map((c) => c.time);
    const lastReply = Math.max(...replyTimes, restartedAt);

    bot.child.kill('SIGTERM');
    await bot.exit;

    const database: Database = await openDb({
      dataDir,
      ...(kind === 'postgres' ? { databaseUrl: pgUrl } : {}),
    });
    try {
      const recorded = new Set(
        (await queryRows<{ id: string }>(database.db, sql`select message_id as id from messages`)).map(
          (r) => r.id,
        ),
      );
      const lost = pushes.filter((p) => !recorded.has(p.messageId)).length;
      const dupMaterials = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from (select 1 from materials group by message_id, resource_key having count(*) > 1) d`,
      );
      const perTarget = new Map<string, number>();
      for (const r of replies) perTarget.set(r.replyTo!, (perTarget.get(r.replyTo!) ?? 0) + 1);
      const dupReplies = [...perTarget.values()].filter((n) => n > 1).length;
      const mats = await queryRows<{
        message_id: string;
        status: string;
        sha256: string | null;
        storage_key: string | null;
      }>(database.db, sql`select message_id, status, sha256, storage_key from materials`);
      const notStored = mats.filter((m) => m.status !== 'stored').length;
      const photos = pushes.filter((p) => p.photoSha);
      const missingPhotos = photos.filter((p) => !mats.some((m) => m.message_id === p.messageId)).length;
      const unacked = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from bursts where ack_message_id is null`,
      );
      const unprocessed = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from inbound_events where status not in ('done', 'ignored')`,
      );
      const expected = new Map(photos.map((p) => [p.messageId, p.photoSha!]));
      let wrongHash = 0;
      for (const m of mats) {
        if (m.status !== 'stored') continue;
        const onDisk = m.storage_key ? sha(readFileSync(join(dataDir, 'files', m.storage_key))) : '';
        if (m.sha256 !== expected.get(m.message_id) || onDisk !== m.sha256) wrongHash++;
      }
      let tempFiles = 0;
      try {
        tempFiles = readdirSync(join(dataDir, 'files', 'tmp')).length;
      } catch {
        tempFiles = 0;
      }
      return {
        db: kind,
        pushes: PUSHES,
        kills,
        redelivered: again.length,
        lost,
        duplicated: dupMaterials[0]!.n + dupReplies,
        incomplete: notStored + missingPhotos + unacked[0]!.n + unprocessed[0]!.n,
        wrongHash,
        tempFiles,
        restartToLastReply: (lastReply - restartedAt) / 1000,
        pushesAfterRestart: afterRestart,
        lastPushToLastReply: Math.max(0, lastReply - lastPushAt) / 1000,
      };
    } finally {
      await database.close();
    }
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'postgres') await dropDatabase(PG_URL, pgName).catch(() => {});
  }
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('build failed');
  const rows: Row[] = [];
  for (const db of DBS) {
    if (db === 'postgres') {
      const u = new URL(PG_URL);
      if (!(await reachable(u.hostname, Number(u.port || 5432)))) {
        console.log(`PostgreSQL not reachable at ${PG_URL}: skipped`);
        continue;
      }
    } else if (db !== 'pglite') throw new Error(`unknown database kind ${db}`);
    console.log(`${db}: ${PUSHES} pushes, ${KILLS} kill -9 …`);
    rows.push(await runOne(db as 'pglite' | 'postgres'));
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  console.log(
    markdownTable(
      [
        'database',
        'pushes',
        'kill -9',
        'redelivered',
        'lost',
        'duplicated',
        'incomplete',
        'wrong-hash',
        'temp-files left',
        'pushes after last restart',
        'restart → last reply (s)',
        'last push → last reply (s)',
      ],
      rows.map((r) => [
        r.db,
        String(r.pushes),
        String(r.kills),
        String(r.redelivered),
        String(r.lost),
        String(r.duplicated),
        String(r.incomplete),
        String(r.wrongHash),
        String(r.tempFiles),
        String(r.pushesAfterRestart),
        r.restartToLastReply.toFixed(1),
        r.lastPushToLastReply.toFixed(1),
      ]),
      [false, true, true, true, true, true, true, true, true, true, true, true],
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
