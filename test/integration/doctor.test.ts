import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';
import { bundledMigrations } from '../../src/db/migration-state.js';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { transitionAlert } from '../../src/db/repos/ops-alerts.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';
import { repoRoot, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';
import { seededDataDir } from '../support/data-dir.js';
import { processTest } from '../support/process-test.js';
import { waitFor } from '../support/wait-for.js';

const version = (await import('../../package.json', { with: { type: 'json' } })).default.version;

/** A port nothing listens on (taken and given back). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('npm run cli -- doctor', () => {
  const t = processTest('archive-bot-doctor');
  const year = Number(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()),
  );
  const holidaysOk = createWorkingCalendar().knowsYear(year);
  const env = (dataDir: string, port: number, over: Record<string, string> = {}) => ({
    ...webhookBotEnv(t.fake, dataDir),
    PORT: String(port),
    MIN_FREE_DISK_MB: '1',
    ...over,
  });
  /**
   * The compiled CLI as a real process, run from an empty folder: its exit code, and everything it
   * prints (the secret checks).
   */
  const doctorProcess = (e: Record<string, string>) =>
    runProcess(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'doctor'], e, t.tmp);
  /**
   * The same command in this process through the same runCli as main.js, on only the given
   * environment: no process start and no module load (the bot, when running, is still a process).
   */
  const doctor = (e: Record<string, string>) => cliInProcess(['doctor'], e);

  it(
    'with the bot stopped: reports the database, Lark, holidays, a dead job, an alert owed, and exits 1',
    { timeout: 420_000 },
    async () => {
      const dataDir = await seededDataDir('stopped', { parent: t.tmp });
      const database = await openDb({ dataDir });
      await database.db
        .execute(sql`insert into jobs (kind, key, payload, status, attempts, last_error, run_at, created_at)
      values ('download-material', '1', '{}'::jsonb, 'dead', 8, 'gone', now(), now())`);
      // The bot decided its alert about the dead job and stopped before Lark took it: owed. The doctor
      // read owed alerts only from a running bot's /metrics and said nothing.
      await transitionAlert(database.db, {
        kind: 'dead_rows',
        firing: true,
        detail: '任务失败 1 个',
        now: new Date(),
        minIntervalMs: 0,
      });
      await database.close();

      const res = await doctorProcess(env(dataDir, await freePort()));
      expect(res.code).toBe(1);
      const out = res.stdout;
      expect(out).toContain(`✓ 版本：归档助手 ${version}，Node.js ${process.version}`);
      expect(out).toContain('✓ 配置：全部有效');
      expect(out).toMatch(/✓ 图片组件：sharp [\d.]+（libvips [\d.]+）可以使用/);
      expect(out).toMatch(/✗ 机器人：未在运行/);
      expect(out).toMatch(/✓ 数据库：内置 PGlite（.*）：可以连接/);
      expect(out).toMatch(/✓ 迁移：已是最新（\d+ 个）/);
      expect(out).toContain('✓ 飞书凭证：有效（机器人：');
      expect(out).toContain('✗ 事件接收：Webhook（POST /lark/events）：机器人未运行');
      expect(out).toMatch(/✓ 磁盘空间：.* 可用 [\d,]+ MB（下限 1 MB）/);
      expect(out).toContain('✗ 任务队列：待处理 0，处理中 0，失败（死信）1');
      expect(out).toContain('✓ 事件队列：待处理 0，处理中 0，失败（死信）0');
      expect(out).toContain('✓ 最近事件：还没有收到过事件');
      expect(out).toContain(
        '✗ 运维告警：1 条告警还没有送达（有事件或任务处理失败）：机器人运行时每一轮都会重发；请核对下面的「告警去向」一行',
      );
      expect(out).toContain(`${holidaysOk ? '✓' : '✗'} 节假日表 ${year}：`);
      expect(out).toContain(`节假日表 ${year + 1}：`);
      // A year the table lacks: the county's copy goes outside the program's folder (README → Year end),
      // not into config/holidays.yaml there (the default HOLIDAYS_FILE), which an upgrade may lose.
      if (!createWorkingCalendar().knowsYear(year + 1)) {
        const line = out.split('\n').find((l) => l.startsWith(`! 节假日表 ${year + 1}：`));
        expect(line).toContain(
          '请把程序目录的 config/holidays.example.yaml 复制到程序目录以外（程序目录里的文件升级时可能丢失；服务器上是 /etc/archive-bot/holidays.yaml',
        );
        expect(line).toContain('并写 HOLIDAYS_FILE=它的路径');
        expect(out).not.toContain('填写 config/holidays.yaml');
      }
      expect(out).toMatch(/\n检查完毕：\d+ 项有问题（标 ✗ 的行）/);
      expect(out + res.stderr).not.toContain(t.fake.appSecret);
    },
  );

  it(
    'reports credentials Lark refuses and a configuration error, without a secret',
    { timeout: 420_000 },
    async () => {
      const dataDir = join(t.tmp, 'refused');
      const res = await doctor(
        env(dataDir, await freePort(), { LARK_APP_SECRET: 'wrong-secret', PORT: 'x' }),
      );
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/✗ 配置：有误（环境变量）：\n\s+- PORT/);
      // A real process: nothing it prints anywhere (stdout or stderr) may hold the secret.
      const ok = await doctorProcess(env(dataDir, await freePort(), { LARK_APP_SECRET: 'wrong-secret' }));
      expect(ok.stdout).toContain('✗ 飞书凭证：被拒绝（错误码 10014）');
      expect(ok.stdout).toContain('! 数据库：内置 PGlite');
      expect(ok.stdout + ok.stderr).not.toContain('wrong-secret');
    },
  );

  /**
   * A county network that refuses the connection, or a gateway that inspects HTTPS with its own
   * certificate: the line said 「无法连接飞书：bot.info: ECONNREFUSED …」 in English, with nothing to do.
   */
  it(
    'says in Chinese what to do when Lark cannot be reached or its certificate is not trusted',
    { timeout: 120_000 },
    async () => {
      const refusedPort = await freePort();
      const refused = await doctor(
        env(join(t.tmp, 'net-refused'), await freePort(), { LARK_DOMAIN: `http://127.0.0.1:${refusedPort}` }),
      );
      const line = (out: string) => out.split('\n').find((l) => l.startsWith('✗ 飞书凭证：')) ?? '';
      expect(line(refused.stdout)).toBe(
        `✗ 飞书凭证：无法连接飞书：本机到 127.0.0.1:${refusedPort} 的连接被拒绝（ECONNREFUSED）：请检查防火墙是否放行本机访问 127.0.0.1:${refusedPort} 的 443 端口（出站 HTTPS）。本机只能通过代理上网的，请网络管理员直接放行这个地址（机器人的长连接和网页登录还不能通过 HTTP 代理）`,
      );

      // An HTTPS-inspecting gateway answers with a certificate of its own, which Node does not trust.
      const key = join(t.tmp, 'gateway.key');
      const cert = join(t.tmp, 'gateway.crt');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const gateway = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => s.end());
      await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
      try {
        const port = (gateway.address() as { port: number }).port;
        const inspected = await doctor(
          env(join(t.tmp, 'net-tls'), await freePort(), { LARK_DOMAIN: `https://127.0.0.1:${port}` }),
        );
        expect(line(inspected.stdout)).toMatch(
          /^✗ 飞书凭证：无法连接飞书：127\.0\.0\.1:\d+ 的证书不被信任（DEPTH_ZERO_SELF_SIGNED_CERT）：单位网络里的上网行为管理或安全网关/,
        );
        expect(line(inspected.stdout)).toContain('NODE_EXTRA_CA_CERTS=根证书文件的完整路径');
      } finally {
        await new Promise((resolve) => gateway.close(resolve));
      }
    },
  );

  /**
   * Alerts go to OPS_CHAT_ID, else to the top units' admins by direct message. A chat the bot is not in
   * (or a mistyped id), or no admin at all, lost every alert with only a log line, and the check-up
   * said nothing about it.
   */
  /**
   * Without PUBLIC_URL the leader could not 督办 at all (only the pages had it) and nothing said so; the
   * escalation card now has it, and doctor says that is the only place.
   */
  it('says, without PUBLIC_URL, that leaders 督办 only on the card', { timeout: 300_000 }, async () => {
    const dataDir = await seededDataDir('urge', { parent: t.tmp });
    const port = await freePort();
    const urgeLine = async (over: Record<string, string> = {}) =>
      (await doctor(env(dataDir, port, over))).stdout.split('\n').find((l) => l.includes(' 督办：'));
    expect(await urgeLine()).toBe(
      '! 督办：无 PUBLIC_URL：领导只能在卡片上督办（「逾期未交齐」私信上的「督办」按钮，督办整个村）；' +
        '督办单项任务、查看督办是否送达和已读要用网页，请设置 PUBLIC_URL',
    );
    expect(await urgeLine({ PUBLIC_URL: 'https://archive.example.cn' })).toBeUndefined();
  });

  it('says where the operations alerts go, and when they cannot arrive', { timeout: 300_000 }, async () => {
    const dataDir = await seededDataDir('alerts', { parent: t.tmp });
    const port = await freePort();
    const alertsLine = async (over: Record<string, string> = {}) => {
      const res = await doctor(env(dataDir, port, over));
      return res.stdout.split('\n').find((l) => l.includes(' 告警去向：'));
    };
    const notJoined = 'oc_0000000000000000000000000000dead';
    expect(await alertsLine({ OPS_CHAT_ID: notJoined })).toBe(
      `✗ 告警去向：飞书找不到 OPS_CHAT_ID=${notJoined} 这个群，或机器人不在群里（错误码 232011）：告警发不出去。` +
        '把机器人拉进运维群，再用 npm run cli -- chats list 查到群号填进 OPS_CHAT_ID',
    );
    const ops = 'oc_00000000000000000000000000000ops';
    t.fake.addChat({ chatId: ops, name: '县档案运维群', members: [] });
    expect(await alertsLine({ OPS_CHAT_ID: ops })).toBe(
      '✓ 告警去向：发到运维群「县档案运维群」（OPS_CHAT_ID）',
    );

    expect(await alertsLine()).toBe(
      '! 告警去向：没有设置 OPS_CHAT_ID，也没有管理员：处理失败、磁盘不足等告警没有人收到。' +
        '设置 OPS_CHAT_ID（机器人所在的运维群），或在人员表里给县级单位导入一位管理员（units people import）',
    );
    const database = await openDb({ dataDir });
    try {
      await database.db
        .execute(sql`insert into units (code, name, kind, path, full_name, created_at, updated_at)
        values ('530521', '施甸县', 'county', '/1/', '施甸县', now(), now())`);
      await database.db.execute(sql`insert into unit_roles (unit_id, open_id, role, created_at)
        select id, 'ou_admin0000000000000000000000001', 'admin', now() from units where code = '530521'`);
    } finally {
      await database.close();
    }
    expect(await alertsLine()).toBe('✓ 告警去向：没有设置 OPS_CHAT_ID：私信最上级单位的 1 位管理员');
  });

  /**
   * A bot still starting (a first start creates and migrates PGlite before it listens) holds the
   * embedded database and does not answer yet: the report said 无法打开 … Stop it first, and then
   * 机器人：未在运行.
   */
  it(
    'the embedded database held by the bot still starting: says it is starting, not 未在运行',
    {
      timeout: 120_000,
    },
    async () => {
      const dataDir = await seededDataDir('starting', { parent: t.tmp });
      const port = await freePort();
      const release = await lockDataDir(join(dataDir, 'pglite'), 'bot');
      try {
        const res = await doctor(env(dataDir, port));
        expect(res.stdout).toContain(
          `! 机器人：正在启动：进程 ${process.pid} 已打开数据库，还没有在 127.0.0.1:${port} 应答` +
            '（第一次启动要建库和迁移，约 1 分钟）。过一会儿再运行 doctor',
        );
        expect(res.stdout).toMatch(
          new RegExp(
            `! 数据库：内置 PGlite（.*）：由正在启动的机器人使用（进程 ${process.pid}），过一会儿再运行 doctor`,
          ),
        );
        expect(res.stdout).toContain('✗ 事件接收：Webhook（POST /lark/events）：机器人正在启动，还没有监听');
        // The admins could not be counted (the database held, no bot to ask): it said ✓ 私信最上级单位的管理员.
        expect(res.stdout).toContain(
          '! 告警去向：没有设置 OPS_CHAT_ID：私信最上级单位的管理员，但这次数不到有几位，没能核对。' +
            '一位也没有的话，处理失败、磁盘不足等告警没有人收到；数据库能读时再运行 doctor，或设置 OPS_CHAT_ID（机器人所在的运维群）',
        );
        expect(res.stdout).not.toContain('未在运行');
        expect(res.stdout).not.toContain('Stop it first');
      } finally {
        await release();
      }
    },
  );

  /**
   * While `backup` held the embedded database the database line said a backup might be what holds it,
   * but the bot line said 未在运行（… 无应答）, as if nothing were going on. A real backup is held
   * half-way, reading a stored file that is a pipe, while the doctor runs.
   */
  it(
    'the embedded database held by a running backup: the bot line says the backup holds it',
    { timeout: 120_000 },
    async () => {
      const dataDir = await seededDataDir('backing-up', { parent: t.tmp });
      const port = await freePort();
      // A stored file whose read waits until the test writes into the pipe (its bytes: none, the
      // empty file's SHA-256), so the backup holds the database until then.
      const empty = createHash('sha256').update('').digest('hex');
      const blobDir = join(dataDir, 'files/blobs', empty.slice(0, 2), empty.slice(2, 4));
      mkdirSync(blobDir, { recursive: true });
      const pipe = join(dataDir, 'gate.fifo');
      execFileSync('mkfifo', [pipe]);
      symlinkSync(pipe, join(blobDir, empty));
      const backup = cliInProcess(['backup', '--out', join(dataDir, 'backup')], env(dataDir, port));
      let opened = false;
      try {
        await waitFor('the backup holding the database', () =>
          existsSync(join(dataDir, 'pglite.owner'))
            ? readFileSync(join(dataDir, 'pglite.owner'), 'utf8').includes(':backup')
            : false,
        );
        const res = await doctor(env(dataDir, port));
        expect(res.stdout).toContain(
          `✗ 机器人：未在运行：backup（进程 ${process.pid}）正在备份内置数据库，机器人要等它做完才能启动。备份完成后再启动机器人`,
        );
        expect(res.stdout).toMatch(
          new RegExp(`! 数据库：内置 PGlite（.*）：backup 正在备份（进程 ${process.pid}），等它做完`),
        );
        expect(res.stdout).not.toContain('无应答');
        await writeFile(pipe, '');
        opened = true;
        expect((await backup).code).toBe(0);
        // Done: the bot is simply not running.
        const after = await doctor(env(dataDir, port));
        expect(after.stdout).toContain(`✗ 机器人：未在运行（127.0.0.1:${port} 无应答）`);
        expect(after.stdout).toMatch(/✓ 数据库：内置 PGlite（.*）：可以连接/);
      } finally {
        if (!opened) {
          await writeFile(pipe, '');
          await backup;
        }
      }
    },
  );

  it(
    'a listener on the port that does not answer (a busy or stalled bot): says so, not 未在运行',
    { timeout: 120_000 },
    async () => {
      const dataDir = await seededDataDir('silent', { parent: t.tmp });
      // Accepts connections and never answers, as a bot whose event loop is stuck does.
      const held: import('node:net').Socket[] = [];
      const silent = createServer((socket) => held.push(socket));
      const port = await new Promise<number>((resolve) =>
        silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
      );
      try {
        const res = await doctor(env(dataDir, port));
        expect(res.stdout).toContain(
          `✗ 机器人：127.0.0.1:${port} 有程序在监听，但 10 秒内没有应答：机器人可能正忙或卡住了。` +
            '过几分钟再运行 doctor；一直这样就看日志（journalctl -u archive-bot）并重启服务（systemctl restart archive-bot）',
        );
        expect(res.stdout).not.toContain('未在运行');
        expect(res.stdout).toContain(
          '✗ 事件接收：Webhook（POST /lark/events）：机器人没有及时应答，飞书推送的事件可能超时',
        );
        expect(res.code).toBe(1);
      } finally {
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    },
  );

  /**
   * A LARK_ENCRYPT_KEY that is not the Encrypt Key of the app's 加密策略 refuses every push with 401:
   * the bot hears nothing from any chat, and nothing said why.
   */
  it(
    'with the bot running on a wrong Encrypt Key: says every push was refused and which setting',
    {
      timeout: 420_000,
    },
    async () => {
      const dataDir = await seededDataDir('wrong-key', { parent: t.tmp });
      const e = env(dataDir, await freePort(), { LARK_ENCRYPT_KEY: 'not-the-key-of-the-app' });
      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], e, t.tmp);
      try {
        const { url } = await bot.started(240_000);
        const push = signedRequest(
          messageEvent({ appId: t.fake.appId, chatId: 'oc_wrong_key', content: { text: '你好' } }),
          TEST_ENCRYPT_KEY,
        );
        expect((await fetch(`${url}/lark/events`, { method: 'POST', ...push })).status).toBe(401);
        const res = await doctor(e);
        expect(res.stdout).toContain(
          '✗ 飞书推送：自启动以来收到飞书推送 0 条（消息和卡片点击），拒绝 1 条：签名或加密不对 1 条' +
            '（LARK_ENCRYPT_KEY 要与开发者后台「事件与回调 → 加密策略」的 Encrypt Key 完全一致）',
        );
        expect(res.code).toBe(1);
        expect(res.stdout).not.toContain('not-the-key-of-the-app');
      } finally {
        bot.kill('SIGTERM');
        await bot.exit;
      }
    },
  );

  /**
   * The last line said 「检查完毕：一切正常」 under lines marked !, so the IT person stopped reading there.
   * It counts them now; ! alone keeps exit code 0 (README: exit 1 only for ✗).
   */
  it(
    'with the bot running and only ! lines: the last line counts them, not 一切正常, and exit 0',
    { timeout: 420_000 },
    async () => {
      const dataDir = await seededDataDir('warned', { parent: t.tmp });
      // Below the 8 h floor: runs at 8 h, and the check-up's 配置 line is ! saying so.
      const e = env(dataDir, await freePort(), { WEBHOOK_MAX_AGE_SECONDS: '60' });
      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], e, t.tmp);
      try {
        await bot.started(240_000);
        const res = await doctorProcess(e);
        expect(res.stdout).toContain('✓ 机器人：正在运行，就绪');
        expect(res.stdout).toMatch(/^! 配置：.*WEBHOOK_MAX_AGE_SECONDS/m);
        const marked = (mark: string) => res.stdout.match(new RegExp(`^${mark} `, 'gm'))?.length ?? 0;
        const warned = marked('!');
        expect(warned).toBeGreaterThan(0);
        expect(res.stdout).not.toContain('一切正常');
        if (holidaysOk) {
          expect(marked('✗')).toBe(0);
          expect(res.stdout.trimEnd().split('\n').at(-1)).toBe(`检查完毕：${warned} 项需要处理（标 ! 的行）`);
          expect(res.code).toBe(0);
        } else {
          expect(res.stdout).toContain(`项有问题（标 ✗ 的行），${warned} 项需要处理（标 ! 的行）`);
          expect(res.code).toBe(1);
        }
      } finally {
        bot.kill('SIGTERM');
        await bot.exit;
      }
    },
  );

  it(
    'with the bot running (METRICS_TOKEN set): asks the bot (it holds the embedded database), with the token, and reports its dead job',
    { timeout: 420_000 },
    async () => {
      const dataDir = await seededDataDir('running', { parent: t.tmp });
      const database = await openDb({ dataDir });
      await database.db
        .execute(sql`insert into jobs (kind, key, payload, status, attempts, last_error, run_at, created_at)
      values ('download-material', '1', '{}'::jsonb, 'dead', 8, 'gone', now(), now())`);
      await database.close();
      // /metrics answers only with the token: without it the doctor read every queue as 0.
      const e = env(dataDir, await freePort(), { METRICS_TOKEN: 'doctor-metrics-token-0123456789' });
      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], e, t.tmp);
      try {
        await bot.started(240_000);
        const res = await doctor(e);
        expect(res.stdout).toContain('✓ 机器人：正在运行，就绪');
        expect(res.stdout).toContain(`✓ 运行的版本：${version}，与安装的程序相同`);
        expect(res.stdout).toMatch(/✓ 数据库：内置 PGlite（.*）：由运行中的机器人使用（启动时已执行迁移）/);
        expect(res.stdout).toContain('✓ 事件接收：Webhook（POST /lark/events）：监听中');
        expect(res.stdout).toContain(
          '✗ 任务队列：待处理 0，处理中 0，失败（死信）1：npm run cli -- jobs dead 查看',
        );
        expect(res.stdout).toContain('✓ 事件队列：待处理 0，处理中 0，失败（死信）0');
        // No admin and no OPS_CHAT_ID: every alert reaches nobody. With the bot holding the database the
        // doctor did not count them and said ✓ 私信最上级单位的管理员; the bot now counts them on /metrics.
        expect(res.stdout).toContain(
          '! 告警去向：没有设置 OPS_CHAT_ID，也没有管理员：处理失败、磁盘不足等告警没有人收到。' +
            '设置 OPS_CHAT_ID（机器人所在的运维群），或在人员表里给县级单位导入一位管理员（units people import）',
        );
        expect(res.code).toBe(1);
        // The dead job is the one problem (with the holiday table of this year known).
        if (holidaysOk) expect(res.stdout.match(/^✗ /gm)).toHaveLength(1);
      } finally {
        bot.kill('SIGTERM');
        await bot.exit;
      }
    },
  );

  /**
   * After an upgrade (git pull, npm ci, npm run build) without `systemctl restart`, the old program goes
   * on running: the check-up read the installed version and said ✓ 数据库 由运行中的机器人使用（启动时已执行
   * 迁移）. An older installation here is the compiled program in a folder of its own whose package.json
   * says 0.0.9 (and, the second time, whose drizzle/ lacks the newest migration, as its database does).
   */
  it(
    'with an older bot still running after an upgrade: names both versions and the restart',
    { timeout: 600_000 },
    async () => {
      const shipped = bundledMigrations().length;
      const old = join(t.tmp, 'old-install');
      mkdirSync(old);
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
      writeFileSync(join(old, 'package.json'), JSON.stringify(pkg));
      cpSync(join(repoRoot, 'dist'), join(old, 'dist'), { recursive: true });
      // Compiled earlier: a release pulled with git keeps package.json's version.
      const stampFile = join(old, 'dist', '.build-stamp');
      const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
      writeFileSync(stampFile, JSON.stringify({ ...stamp, builtAt: '2026-01-01T00:00:00.000Z' }));
      cpSync(join(repoRoot, 'drizzle'), join(old, 'drizzle'), { recursive: true });
      symlinkSync(join(repoRoot, 'node_modules'), join(old, 'node_modules'));
      const dataDir = await seededDataDir('old-bot', { parent: t.tmp });
      const e = env(dataDir, await freePort());
      const runOld = async () => {
        const bot = t.startProcess(process.execPath, [join(old, 'dist/main.js')], e, t.tmp);
        await bot.started(240_000);
        try {
          return await doctor(e);
        } finally {
          bot.kill('SIGTERM');
          await bot.exit;
        }
      };
      const restart = 'sudo systemctl restart archive-bot';

      // The same version and migrations, compiled earlier: ! naming when each was compiled.
      const rebuilt = await runOld();
      expect(rebuilt.stdout).toMatch(
        new RegExp(
          `! 运行的版本：运行中的机器人是 2026-01-01 08:00 编译的 ${version.replaceAll('.', '\\.')}，` +
            `安装的程序是 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 编译的 ${version.replaceAll('.', '\\.')}。` +
            `升级后还没有重启？重启才会运行安装的版本：sudo systemctl restart archive-bot`,
        ),
      );

      // Another version with the same migrations: ! naming both.
      writeFileSync(join(old, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.9' }));
      const same = await runOld();
      expect(same.stdout).toContain(
        `! 运行的版本：运行中的机器人是 0.0.9，安装的程序是 ${version}。升级后还没有重启？重启才会运行安装的版本：${restart}`,
      );
      expect(same.stdout).toMatch(/✓ 数据库：内置 PGlite（.*）：由运行中的机器人使用（启动时已执行迁移）/);

      // Rolled back: the installed program is older than the running one (a later version, or the same
      // compiled later). A restart would run the older program: 「重启才会运行安装的版本」 invited it.
      writeFileSync(join(old, 'package.json'), JSON.stringify({ ...pkg, version: '99.0.0' }));
      const newer = await runOld();
      expect(newer.stdout).toContain(
        `! 运行的版本：运行中的机器人是 99.0.0，安装的程序是 ${version}：安装的程序比运行中的旧，重启后会运行旧的程序。` +
          `若不是有意装回旧版本，先重新安装 99.0.0（README「Check-up, backup, restore, upgrade」），不要重启`,
      );
      writeFileSync(join(old, 'package.json'), JSON.stringify(pkg));
      writeFileSync(stampFile, JSON.stringify({ ...stamp, builtAt: '2099-01-01T00:00:00.000Z' }));
      const laterBuild = await runOld();
      expect(laterBuild.stdout).toContain('2099-01-01 08:00 编译的');
      expect(laterBuild.stdout).toContain('：安装的程序比运行中的旧，重启后会运行旧的程序。');
      writeFileSync(join(old, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.9' }));

      // The older program lacks the newest migration, and so does the database it ran on.
      const journalFile = join(old, 'drizzle/meta/_journal.json');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
      writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
      const database = await openDb({ dataDir });
      await database.db.execute(sql`delete from drizzle.__drizzle_migrations
        where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`);
      await database.close();
      const behind = await runOld();
      expect(behind.stdout).toContain(
        `✗ 运行的版本：运行中的机器人是 0.0.9，安装的程序是 ${version}：安装的程序有 1 个迁移，运行中的机器人还没有执行` +
          `（它有 ${shipped - 1} 个，安装的有 ${shipped} 个）。升级后还没有重启？重启后机器人执行迁移并运行新版本：${restart}`,
      );
      expect(behind.stdout).toMatch(
        new RegExp(
          `! 数据库：内置 PGlite（.*）：由运行中的机器人使用，它启动时执行到第 ${shipped - 1} 个迁移；` +
            `安装的程序有 ${shipped} 个，其余的要等重启时执行（见「运行的版本」一行），` +
            `执行后旧版本的程序就打不开这个数据库：重启前先备份（npm run cli -- backup --out 新目录；内置数据库要先停止机器人）`,
        ),
      );
      expect(behind.code).toBe(1);
    },
  );
});
