/**
 * The taps part of `npm run bench:filing` (issue 14): the bot (startBot, as `npm start` wires it, in
 * this process) on the province database against the fake Lark. `taps` officers each post one photo
 * (200 KB, 1280×960) into the suggestion village's chat at the same moment; then, all at once,
 * - a card callback the router refuses at once (an unknown action): signature, decryption, the
 *   event-id record and the answer — the floor every tap pays (baseline);
 * - each officer opens a household's tasks on their own card (`file-household`: reads only), `rounds` times;
 * - each officer files their burst (`file`: the filing transaction): officer i picks the i-th task of
 *   the card's task list, or (sameTask) all take the first suggestion, the worst case: filings to one
 *   task take its row lock in turn, so its counts stay exact;
 * and, for every photo, the time from the material stored (`materials.stored_at`) to the fake Lark
 * receiving the bot's reaction on its message, next to the time from the push to the material stored.
 * Latency is the wall time of the webhook POST as the client sees it (Lark shows the toast or the new
 * card when this answer arrives).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startBot, type RunningBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import {
  cardActionEvent,
  messageEvent,
  TEST_ENCRYPT_KEY,
  TEST_VERIFICATION_TOKEN,
} from '../../test/support/events.js';
import { startFakeLark, type FakeLark } from '../../test/support/fake-lark/server.js';
import { signedRequest } from '../../test/support/lark-sign.js';
import { cardButtons, cardMenus } from '../../test/support/cards.js';
import { makeBenchPhotos } from './capture-photos.js';

export interface TapTimes {
  /** Unknown card action, answered by the router (ms per POST). */
  baseline: number[];
  /** A household's tasks (read only). */
  browse: number[];
  /** Filing a burst. */
  file: number[];
  /** Push → material stored (ms), per photo. */
  stored: number[];
  /** Material stored → the bot's reaction reached Lark (ms), per photo. */
  reaction: number[];
  /** Filing taps answered 「处理中」 (the bot's answer deadline passed: the card is updated later). */
  deferred: number;
  /** Answers that were not what a tap expects (errors, missing card). */
  failures: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** POSTs a signed, encrypted event; resolves with the parsed answer and the round-trip time. */
async function post(bot: RunningBot, payload: unknown): Promise<{ ms: number; status: number; body: any }> {
  const req = signedRequest(payload, TEST_ENCRYPT_KEY);
  const t0 = performance.now();
  const res = await fetch(`${bot.url}/lark/events`, { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { ms, status: res.status, body };
}

export async function measureTaps(
  url: string,
  o: { unitId: number; taps: number; rounds: number; sameTask: boolean; log: (s: string) => void },
): Promise<TapTimes> {
  const fake: FakeLark = await startFakeLark();
  const chatId = `oc_v${o.unitId}`;
  const officers = Array.from({ length: o.taps }, (_, i) => `ou_bench_officer_${i}`);
  fake.addChat({
    chatId,
    name: '基准村工作群',
    members: officers.map((openId, i) => ({ openId, name: `村干部${i}` })),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-filing-taps-'));
  const out: TapTimes = {
    baseline: [],
    browse: [],
    file: [],
    stored: [],
    reaction: [],
    deferred: 0,
    failures: [],
  };
  let bot: RunningBot | undefined;
  const reader = postgres(url, { max: 1, onnotice: () => {} });
  try {
    bot = await startBot(
      loadConfig({
        LARK_APP_ID: fake.appId,
        LARK_APP_SECRET: fake.appSecret,
        LARK_DOMAIN: fake.baseUrl,
        LARK_EVENT_MODE: 'webhook',
        LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
        LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
        DATA_DIR: dataDir,
        DATABASE_URL: url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
        SCHEDULER_ENABLED: 'false',
        LARK_API_PER_MINUTE: '100000',
        MIN_FREE_DISK_MB: '1',
        BURST_QUIET_SECONDS: '2',
        RECONCILE_INTERVAL_MINUTES: '0',
      }),
    );
    const running = bot;

    // Every officer posts one photo at the same moment.
    o.log(`taps: ${o.taps} photos posted at once …`);
    const photos = await makeBenchPhotos(o.taps, 200 * 1024);
    const posted = new Map<string, number>();
    await Promise.all(
      officers.map(async (sender, i) => {
        const messageId = `om_bench_tap_${i}_${Date.now()}`;
        const fileKey = `img_bench_tap_${i}_${Date.now()}`;
        fake.addResource({ messageId, fileKey, bytes: photos[i]!.bytes, contentType: 'image/jpeg' });
        posted.set(messageId, Date.now());
        const r = await post(
          running,
          messageEvent({
            appId: fake.appId,
            chatId,
            messageId,
            senderOpenId: sender,
            msgType: 'image',
            content: { image_key: fileKey },
          }),
        );
        if (r.status !== 200) throw new Error(`the webhook answered ${r.status} to a photo`);
      }),
    );
    const ids = [...posted.keys()];
    const cards = await until('every filing card', 180_000, () => {
      const sent = fake.sentMessages();
      const found = ids.map((id) => sent.find((m) => m.replyTo === id));
      return found.every(Boolean) ? found.map((m) => m!) : undefined;
    });
    const reactionAt = await until('every reaction', 180_000, () => {
      const at = new Map<string, number>();
      for (const c of fake.callsTo('POST', /\/reactions$/)) {
        const id = c.path.split('/').at(-2)!;
        if (posted.has(id) && !at.has(id)) at.set(id, c.time);
      }
      return at.size === ids.length ? at : undefined;
    });
    const rows = await reader<{ message_id: string; stored_at: Date }[]>`
      select message_id, stored_at from materials where message_id = any(${ids})`;
    for (const r of rows) {
      const storedAt = new Date(r.stored_at).getTime();
      out.stored.push(storedAt - posted.get(r.message_id)!);
      out.reaction.push(reactionAt.get(r.message_id)! - storedAt);
    }

    // The taps: each officer on their own card, all at once.
    const tapAll = async (
      into: number[],
      make: (i: number) => { value: Record<string, unknown>; option?: string } | undefined,
      ok: (body: any) => boolean,
    ) => {
      await Promise.all(
        cards.map(async (card, i) => {
          const t = make(i);
          if (!t) return void out.failures.push(`card ${i}: nothing to tap`);
          const r = await post(
            running,
            cardActionEvent({
              appId: fake.appId,
              operatorOpenId: officers[i]!,
              value: t.value,
              option: t.option,
              chatId,
              messageId: card.messageId,
            }),
          );
          into.push(r.ms);
          if (r.status !== 200 || !ok(r.body))
            out.failures.push(`${String(t.value.a)}: ${JSON.stringify(r.body).slice(0, 120)}`);
        }),
      );
    };
    for (let round = 0; round < o.rounds; round++) {
      o.log(`taps: round ${round + 1} of ${o.rounds} …`);
      await tapAll(
        out.baseline,
        () => ({ value: { a: 'bench-no-such-action' } }),
        (b) => !!b.toast,
      );
      await tapAll(
        out.browse,
        (i) => {
          const menu = cardMenus(cards[i]!.content).find((m) => m.value?.a === 'file-household');
          return menu && { value: menu.value, option: menu.options[round % menu.options.length]!.value };
        },
        (b) => !!b.card,
      );
    }
    await tapAll(
      out.file,
      (i) => {
        // Officer i picks the i-th task of the card's task list (different tasks, as a village's
        // officers filing at the same moment would); with sameTask all take the first suggestion.
        const menu = cardMenus(cards[i]!.content).find((m) => m.value?.a === 'file-select');
        if (menu && !o.sameTask)
          return { value: menu.value, option: menu.options[i % menu.options.length]!.value };
        const b = cardButtons(cards[i]!.content).find((x) => x.value?.a === 'file');
        if (b) return { value: b.value };
        return menu && { value: menu.value, option: menu.options[0]!.value };
      },
      (b) => {
        if (b.toast?.type === 'info' && String(b.toast.content).startsWith('处理中')) out.deferred++;
        return b.toast?.type === 'success' || b.toast?.type === 'info';
      },
    );
    return out;
  } finally {
    await bot?.stop().catch(() => {});
    await reader.end({ timeout: 5 });
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
