import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { InboundLarkEvent } from '../../src/lark/event-envelope.js';
import { startWsIntake, type WsIntake } from '../../src/lark/ws-intake.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { systemClock, type Clock } from '../../src/ports/clock.js';
import { startFakeLark } from '../support/fake-lark/server.js';
import {
  attachWsGateway,
  type FakeLarkHooks,
  type WsGateway,
  type WsGatewayOptions,
} from '../support/fake-lark/ws-gateway.js';
import { startWsTestHost } from '../support/fake-lark/ws-test-host.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lark/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    any
  >;

/** Fast reconnects; pings every 0.5 s (the SDK's pingTimeout only works below PingInterval). */
const FAST: WsGatewayOptions['clientConfig'] = {
  PingInterval: 0.5,
  ReconnectInterval: 0.05,
  ReconnectNonce: 0,
};

interface Setup {
  host: FakeLarkHooks;
  gateway: WsGateway;
  intake: WsIntake;
  metrics: Metrics;
  events: InboundLarkEvent[];
  cards: InboundLarkEvent[];
  logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  behaviour: { failEvents: boolean; cardAnswer: object | undefined };
}

const teardown: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (teardown.length) await teardown.pop()!();
});

async function setup(
  opts: {
    gateway?: WsGatewayOptions;
    clock?: Clock;
    lark?: Partial<Config['lark']>;
    fakeLark?: boolean;
  } = {},
): Promise<Setup> {
  const host: FakeLarkHooks & { close(): Promise<void> } = opts.fakeLark
    ? await startFakeLark()
    : await startWsTestHost();
  teardown.push(() => host.close());
  const gateway = attachWsGateway(host, { clientConfig: FAST, ...opts.gateway });
  teardown.push(() => gateway.close());
  const logs: Setup['logs'] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const metrics = new Metrics();
  const events: InboundLarkEvent[] = [];
  const cards: InboundLarkEvent[] = [];
  const behaviour: Setup['behaviour'] = { failEvents: false, cardAnswer: undefined };
  const intake = await startWsIntake({
    config: {
      appId: host.appId,
      appSecret: host.appSecret,
      domain: host.baseUrl,
      perApiPerSecond: 40,
      perApiPerMinute: 900,
      eventMode: 'ws',
      httpTimeoutMs: 2000,
      wsPingTimeoutSeconds: 0.3,
      wsSilenceAlertMinutes: 60,
      ...opts.lark,
    },
    logger: createLogger('debug', sink),
    metrics,
    clock: opts.clock ?? systemClock,
    onEvent: async (event) => {
      if (behaviour.failEvents) throw new Error('database is down');
      events.push(event);
    },
    onCardAction: async (event) => {
      cards.push(event);
      return behaviour.cardAnswer;
    },
  });
  teardown.push(() => intake.close());
  await gateway.waitForConnection();
  return { host, gateway, intake, metrics, events, cards, logs, behaviour };
}

const until = async (what: string, check: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('long-connection intake (real SDK WSClient against the fake gateway)', () => {
  it('connects through the endpoint and reports it', async () => {
    const s = await setup();
    expect(s.gateway.endpointCalls()).toBe(1);
    expect(s.intake.connected()).toBe(true);
    expect(s.metrics.value('lark_ws_connected')).toBe(1);
    expect(s.intake.lastEventAt()).toBeUndefined();
    // Pongs are signs of life even without events.
    const before = s.intake.lastActivityAt()!.getTime();
    await until('a pong', () => s.gateway.pings() >= 2 && s.intake.lastActivityAt()!.getTime() > before);
  });

  it('hands messages, recalls, bot and member membership events to onEvent in their original v2 envelope', async () => {
    const s = await setup();
    const names = [
      'im.message.receive_v1.text.json',
      'im.message.receive_v1.image.json',
      'im.message.receive_v1.post.json',
      'im.chat.member.bot.added_v1.json',
      'im.chat.member.bot.deleted_v1.json',
      'im.chat.member.user.added_v1.json',
      'im.chat.member.user.deleted_v1.json',
      'im.message.recalled_v1.json',
    ];
    for (const name of names) expect(await s.gateway.pushEvent(fixture(name))).toEqual({ code: 200 });
    expect(s.events).toHaveLength(names.length);
    for (const [i, name] of names.entries()) {
      const sent = fixture(name);
      const got = s.events[i]!;
      expect(got.payload).toEqual(sent);
      expect(got.eventId).toBe(sent.header.event_id);
      expect(got.eventType).toBe(sent.header.event_type);
      expect(got.messageId).toBe(sent.event.message?.message_id);
      expect(got.source).toBe('ws');
      expect(got.createTimeMs).toBe(Number(sent.header.create_time));
    }
    expect(s.events[0]!.messageId).toBe('om_5ce6d572455d361153b7cb51da133945');
    // A recall is not deduped on its message's id (that would drop it as a repeat of the message), and
    // names its chat (a queued recall holds the chat's open burst back).
    const recall = s.events.find((e) => e.eventType === 'im.message.recalled_v1')!;
    expect(recall.messageId).toBeUndefined();
    expect(recall.chatId).toBe('oc_5ad11d72b830411d72b836c20');
    expect(s.metrics.value('lark_ws_events_total', { event_type: 'im.message.recalled_v1' })).toBe(1);
    expect(s.intake.lastEventAt()).toBeInstanceOf(Date);
    expect(s.metrics.value('lark_ws_events_total', { event_type: 'im.message.receive_v1' })).toBe(3);
  });

  it('reassembles an event Lark splits over several frames', async () => {
    const s = await setup();
    const sent = fixture('im.message.receive_v1.post.json');
    expect(await s.gateway.pushEvent(sent, { fragments: 3 })).toEqual({ code: 200 });
    expect(s.events.map((e) => e.payload)).toEqual([sent]);
  });

  it('acknowledges read receipts without recording them', async () => {
    const s = await setup();
    const read = {
      schema: '2.0',
      header: {
        event_id: 'ev_read_1',
        event_type: 'im.message.message_read_v1',
        create_time: '1608725989000',
      },
      event: { reader: { reader_id: { open_id: 'ou_1' } }, message_id_list: ['om_1'] },
    };
    expect(await s.gateway.pushEvent(read)).toEqual({ code: 200 });
    expect(s.events).toEqual([]);
  });

  it("sends a card callback's answer back in the response frame", async () => {
    const s = await setup();
    s.behaviour.cardAnswer = fixture('card.action.trigger.response.json');
    const sent = fixture('card.action.trigger.json');
    const ack = await s.gateway.pushEvent(sent);
    expect(ack).toEqual({ code: 200, data: fixture('card.action.trigger.response.json') });
    expect(s.events).toEqual([]);
    expect(s.cards[0]).toMatchObject({
      eventId: sent.header.event_id,
      eventType: 'card.action.trigger',
      source: 'ws',
    });
    expect(s.cards[0]!.messageId).toBeUndefined();
    const got = s.cards[0]!.payload as Record<string, any>;
    expect(got.event).toEqual(sent.event);
    expect(got.event.token).toMatch(/^c-/);
    // The SDK flattens header and event into one object: event.token overwrites header.token.
    const { token: _lost, ...header } = sent.header;
    expect(got.header).toEqual(header);
  });

  it('ignores frames of type "card" without answering (SDK 1.74)', async () => {
    const s = await setup();
    s.behaviour.cardAnswer = { toast: { type: 'info', content: 'x' } };
    await expect(
      s.gateway.pushEvent(fixture('card.action.trigger.json'), { type: 'card', timeoutMs: 400 }),
    ).rejects.toThrow(/no answer/);
    expect(s.cards).toEqual([]);
  });

  it('answers 500 when recording fails, so Lark pushes the event again', async () => {
    const s = await setup();
    const sent = fixture('im.message.receive_v1.text.json');
    s.behaviour.failEvents = true;
    expect(await s.gateway.pushEvent(sent)).toEqual({ code: 500 });
    const failure = s.logs.find((l) => l.level === 50 && l.eventId === sent.header.event_id);
    expect(failure?.msg).toMatch(/answering 500/);
    expect(s.metrics.value('lark_ws_event_errors_total', { event_type: 'im.message.receive_v1' })).toBe(1);
    // The redelivery is recorded.
    s.behaviour.failEvents = false;
    expect(await s.gateway.pushEvent(sent)).toEqual({ code: 200 });
    expect(s.events.map((e) => e.eventId)).toEqual([sent.header.event_id]);
  });

  it('reconnects when the gateway closes the socket, and events flow again', async () => {
    const s = await setup();
    s.gateway.closeConnections();
    await until('a new connection', () => s.gateway.connectionsAccepted() === 2);
    await s.gateway.waitForConnection();
    expect(s.gateway.endpointCalls()).toBe(2);
    await until('the reconnect metric', () => s.metrics.value('lark_ws_reconnects_total') === 1);
    expect(s.metrics.value('lark_ws_connected')).toBe(1);
    expect(s.logs.some((l) => l.level === 40 && /reconnecting/.test(l.msg))).toBe(true);
    expect(await s.gateway.pushEvent(fixture('im.message.receive_v1.file.json'))).toEqual({ code: 200 });
    expect(s.events).toHaveLength(1);
  });

  it('replaces a socket that stops answering pings (pingTimeout)', async () => {
    const s = await setup();
    s.gateway.dropSilently();
    await until('a reconnect after the dead socket', () => s.gateway.connectionsAccepted() === 2);
    await s.gateway.waitForConnection();
    expect(s.gateway.endpointCalls()).toBe(2);
    expect(await s.gateway.pushEvent(fixture('im.message.receive_v1.text.json'))).toEqual({ code: 200 });
  });

  it('raises the silence alarm once per silent period and clears it on the next frame', async () => {
    let now = Date.parse('2025-03-01T08:00:00Z');
    // Lark's real ping cadence: one pong at connect, then quiet for 120 s.
    const s = await setup({
      clock: { ...systemClock, now: () => new Date(now) },
      gateway: { clientConfig: { ...FAST, PingInterval: 120 } },
      lark: { wsSilenceAlertMinutes: 1 },
    });
    await until('the first pong', () => s.gateway.pings() === 1 && s.intake.lastActivityAt() !== undefined);
    now += 61_000;
    s.intake.checkSilence();
    s.intake.checkSilence();
    const alarms = s.logs.filter((l) => l.level === 50 && l.msg === 'long connection silent for 1 min');
    expect(alarms).toHaveLength(1);
    expect(s.metrics.value('lark_ws_silent')).toBe(1);
    await s.gateway.pushEvent(fixture('im.message.receive_v1.text.json'));
    expect(s.metrics.value('lark_ws_silent')).toBe(0);
    expect(s.intake.lastEventAt()?.getTime()).toBe(now);
  });

  it('works hosted by the full fake Lark server too', async () => {
    const s = await setup({ fakeLark: true });
    const sent = fixture('im.message.receive_v1.media.json');
    expect(await s.gateway.pushEvent(sent)).toEqual({ code: 200 });
    s.gateway.closeConnections();
    await until('a new connection', () => s.gateway.connectionsAccepted() === 2);
    s.behaviour.cardAnswer = { toast: { type: 'success', content: '已归档' } };
    expect(await s.gateway.pushEvent(fixture('card.action.trigger.json'))).toEqual({
      code: 200,
      data: s.behaviour.cardAnswer,
    });
    expect(s.events.map((e) => e.payload)).toEqual([sent]);
    (s.host as Awaited<ReturnType<typeof startFakeLark>>).assertNoUnknownRoutes();
  });

  it('rejects an app id the SDK would silently refuse', async () => {
    const base = { domain: 'http://127.0.0.1:9', eventMode: 'ws' as const, appSecret: 's' };
    const config = {
      ...base,
      appId: 'cli_short',
      httpTimeoutMs: 100,
      wsPingTimeoutSeconds: 1,
      wsSilenceAlertMinutes: 1,
      perApiPerSecond: 40,
      perApiPerMinute: 900,
    };
    await expect(
      startWsIntake({
        config,
        logger: createLogger('silent'),
        metrics: new Metrics(),
        clock: systemClock,
        onEvent: async () => {},
        onCardAction: async () => undefined,
      }),
    ).rejects.toThrow(/cli_ 开头，后面是 16 位十六进制数字/);
  });

  it('close() leaves nothing running: a process that used it exits by itself', async () => {
    const host = await startWsTestHost();
    teardown.push(() => host.close());
    const gateway = attachWsGateway(host, { clientConfig: FAST });
    teardown.push(() => gateway.close());
    const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));
    const config = {
      appId: host.appId,
      appSecret: host.appSecret,
      domain: host.baseUrl,
      eventMode: 'ws',
      httpTimeoutMs: 2000,
      wsPingTimeoutSeconds: 0.3,
      wsSilenceAlertMinutes: 60,
    };
    const script = `
      const { startWsIntake } = await import(${JSON.stringify(src('lark/ws-intake.ts'))});
      const { Metrics } = await import(${JSON.stringify(src('metrics.ts'))});
      const { silentLogger } = await import(${JSON.stringify(src('logger.ts'))});
      let done;
      const got = new Promise((r) => (done = r));
      const intake = await startWsIntake({
        config: ${JSON.stringify(config)}, logger: silentLogger(), metrics: new Metrics(),
        clock: { now: () => new Date() }, onEvent: async (e) => done(e), onCardAction: async () => undefined,
      });
      const e = await got;
      await intake.close();
      console.log('recorded ' + e.eventId);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Whatever happens below, the child does not outlive the test.
    teardown.push(async () => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await gateway.waitForConnection(10_000);
    const sent = fixture('im.message.receive_v1.text.json');
    expect(await gateway.pushEvent(sent)).toEqual({ code: 200 });
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000).unref()),
    ]);
    if (code === 'hung') child.kill('SIGKILL');
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: `recorded ${sent.header.event_id}` });
  });
});
