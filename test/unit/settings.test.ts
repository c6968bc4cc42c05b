import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { settingsFilesLine } from '../../src/cli/doctor-settings.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isLarkAppId } from '../../src/lark/app-id.js';
import { loadCliSettings, loadSettings } from '../../src/settings.js';
import { repoRoot } from '../support/bot-process.js';

/** The shipped archive.yaml as a county makes it its own: its 全宗 and its 移交、接收单位. */
const countyArchiveYaml = () =>
  readFileSync(join(repoRoot, 'config/archive.yaml'), 'utf8')
    .replace(/^(\s+code: )A182$/m, '$1A101')
    .replace(/^(\s+name: )某县人民政府办公室$/m, '$1施甸县人民政府办公室')
    .replace(/^(\s+transferringUnit: )某县人民政府办公室$/m, '$1施甸县人民政府办公室')
    .replace(/^(\s+receivingUnit: )某县档案馆$/m, '$1施甸县档案馆');

describe('settings', () => {
  it('one app-id rule: cli_ + 16 hex digits, for the configuration and the long connection', () => {
    expect(isLarkAppId('cli_a1b2c3d4e5f60718')).toBe(true);
    for (const bad of ['cli_short', 'cli_a1b2c3d4e5f6071g', 'cli_a1b2c3d4e5f607181', 'a1b2c3d4e5f60718'])
      expect(isLarkAppId(bad), bad).toBe(false);
    expect(() => loadConfig({ LARK_APP_ID: 'cli_short', LARK_APP_SECRET: 's' })).toThrow(
      /LARK_APP_ID：格式不对：要以 cli_ 开头，后面是 16 位十六进制数字。在开发者后台 → 凭证与基础信息 复制 App ID，例如 cli_a1b2c3d4e5f60718/,
    );
  });

  it('the bot reads .env values and both shipped YAML files once', () => {
    const s = loadSettings({ LARK_APP_ID: 'cli_a1b2c3d4e5f60718', LARK_APP_SECRET: 's' });
    expect(s.config.schedules.file).toBe('config/schedules.yaml');
    expect(s.files.schedules.timeZone).toBe('Asia/Shanghai');
    expect(s.files.archive?.fonds.code).toBeTruthy();
    expect(s.files.warnings).toEqual([]);
  });

  it('a missing archive.yaml leaves the archive features off with the reason; a missing default schedules.yaml means defaults', () => {
    const s = loadSettings({
      LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
      LARK_APP_SECRET: 's',
      ARCHIVE_CONFIG: '/nonexistent/archive.yaml',
    });
    expect(s.files.archive).toBeUndefined();
    expect(s.files.archiveProblem).toContain('/nonexistent/archive.yaml');
    expect(s.files.warnings).toEqual([
      '档案设置没有读到（读不到档案设置文件 /nonexistent/archive.yaml）：确认归档和导出暂不可用',
    ]);
  });

  it('command-line tools need no Lark credentials, share the defaults and read YAML on first use', () => {
    const s = loadCliSettings({ ARCHIVE_CONFIG: '/nonexistent/archive.yaml' });
    expect(s).toMatchObject({ dataDir: './data', timeZone: 'Asia/Shanghai', databaseUrl: undefined });
    expect(s.schedules.settings().reminders.time).toMatch(/^\d\d:\d\d$/);
    expect(() => s.archive.settings()).toThrow(/\/nonexistent\/archive\.yaml/);
    // The service names /etc/archive-bot/schedules.yaml: one not copied there yet says what to do.
    expect(() =>
      loadCliSettings({ SCHEDULES_FILE: '/nonexistent/schedules.yaml' }).schedules.settings(),
    ).toThrow(
      /读不到提醒设置文件 \/nonexistent\/schedules\.yaml（.*）：检查 SCHEDULES_FILE，或把程序目录里的 config\/schedules\.yaml 复制到那里/,
    );
    expect(() => loadCliSettings({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
  });

  it('DOCX_TO_PDF_COMMAND wins over archive.yaml docxToPdfCommand, as for the virus scanner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-docx-'));
    try {
      const file = join(dir, 'archive.yaml');
      writeFileSync(file, 'fonds: { code: A1 }\ndocxToPdfCommand: yaml-convert {in} {out}\n');
      expect(loadCliSettings({ ARCHIVE_CONFIG: file }).docxToPdfCommand()).toBe('yaml-convert {in} {out}');
      expect(
        loadCliSettings({
          ARCHIVE_CONFIG: file,
          DOCX_TO_PDF_COMMAND: 'env-convert {in} {out}',
        }).docxToPdfCommand(),
      ).toBe('env-convert {in} {out}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the doctor reports the YAML files as the bot would load them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-doctor-'));
    try {
      const schedules = join(dir, 'schedules.yaml');
      const archive = join(dir, 'archive.yaml');
      copyFileSync(join(repoRoot, 'config/schedules.yaml'), schedules);
      copyFileSync(join(repoRoot, 'config/archive.yaml'), archive);
      // The shipped sample's 全宗 and 移交/接收单位 were said 有效, and went into every 说明文件 and 档号.
      expect(settingsFilesLine({ SCHEDULES_FILE: schedules, ARCHIVE_CONFIG: archive })).toEqual({
        status: 'warn',
        label: '设置文件',
        detail:
          `${schedules} 有效；${archive} 有效\n      ${archive} 里还是示例的全宗（fonds：A182 某县人民政府办公室）、` +
          '移交单位（package.transferringUnit：某县人民政府办公室）、接收单位（package.receivingUnit：某县档案馆）：' +
          '确认归档前改成县档案馆给定的全宗号、全宗名称和移交、接收单位（档号一经确认永不改号，移交包的说明文件也写这些）' +
          '；全宗还是示例时确认归档会被拒绝（用 units fonds 设了自己全宗的单位除外）',
      });
      writeFileSync(archive, countyArchiveYaml());
      expect(settingsFilesLine({ SCHEDULES_FILE: schedules, ARCHIVE_CONFIG: archive })).toEqual({
        status: 'ok',
        label: '设置文件',
        detail: `${schedules} 有效；${archive} 有效`,
      });
      expect(
        settingsFilesLine({ SCHEDULES_FILE: schedules, ARCHIVE_CONFIG: join(dir, 'none.yaml') }),
      ).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('确认归档和导出暂不可用'),
      });
      const bad = join(dir, 'bad-schedules.yaml');
      writeFileSync(bad, 'digest:\n  weekday: 9\n');
      const line = settingsFilesLine({ SCHEDULES_FILE: bad });
      expect(line.status).toBe('fail');
      expect(line.detail).toMatch(/schedules\.yaml 有误：\n\s+- digest\.weekday: /);
      // holidays.yaml: named with its years when valid; a bad one refuses the start, and the doctor says so.
      const holidays = join(dir, 'holidays.yaml');
      copyFileSync(join(repoRoot, 'config/holidays.example.yaml'), holidays);
      const env = { SCHEDULES_FILE: schedules, ARCHIVE_CONFIG: archive, HOLIDAYS_FILE: holidays };
      expect(settingsFilesLine(env).detail).toBe(
        `${schedules} 有效；${archive} 有效；${holidays} 有效（2026 年）`,
      );
      writeFileSync(
        holidays,
        '2027:\n  holidays:\n    - { name: 春节, from: 2027-02-05, to: 2027-02-12 }\n  workdays: [2027-02-08]\n',
      );
      expect(settingsFilesLine(env)).toMatchObject({ status: 'fail' });
      expect(settingsFilesLine(env).detail).toContain(
        `${holidays} 有误：\n  - 2027 年：workdays 第 1 条：2027-02-08 是星期一，不是周末`,
      );
      expect(() =>
        loadSettings({ LARK_APP_ID: 'cli_a1b2c3d4e5f60718', LARK_APP_SECRET: 's', ...env }),
      ).toThrow(/2027-02-08 是星期一，不是周末/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * On a PC (the quick start: npm install, .env, npm start) the line told the county to `install … -g
   * archive-bot … /etc/archive-bot/`: a group and a folder that exist only on a server set up as a
   * service. README's advice there: a folder of their own, named in .env.
   */
  it('on a PC the doctor says to copy the settings files to a folder of their own and name them in .env', () => {
    const missing = join(tmpdir(), `no-etc-archive-bot-${process.pid}`);
    // The shipped defaults, as `npm start` reads them in the program's folder; no service settings folder.
    const line = settingsFilesLine({}, process.cwd(), missing);
    const to = join(dirname(process.cwd()), 'archive-bot-settings');
    expect(line.status).toBe('warn');
    expect(line.detail).toContain(
      `请复制到程序目录以外的文件夹，例如 ${to}，再在程序目录的 .env 里写 ` +
        `SCHEDULES_FILE=${to}/schedules.yaml、ARCHIVE_CONFIG=${to}/archive.yaml`,
    );
    expect(line.detail).not.toContain('install');
    expect(line.detail).not.toContain('archive-bot.env');
  });

  /**
   * A county that edited config/schedules.yaml and config/archive.yaml in the program's folder found the
   * next upgrade's `git pull` stopped on the local changes, and nothing had told it to keep them elsewhere.
   */
  it('the doctor warns while the settings files are still in the program folder, saying where they go', () => {
    const root = mkdtempSync(join(tmpdir(), 'settings-checkout-'));
    // A server installed as a service: its settings folder exists (here a stand-in for /etc/archive-bot).
    const etc = join(root, 'etc-archive-bot');
    try {
      mkdirSync(etc);
      mkdirSync(join(root, 'config'));
      const schedules = join(root, 'config/schedules.yaml');
      copyFileSync(join(repoRoot, 'config/schedules.yaml'), schedules);
      const outside = join(tmpdir(), `settings-outside-${process.pid}.yaml`);
      copyFileSync(join(repoRoot, 'config/archive.yaml'), outside);
      try {
        const line = settingsFilesLine({ SCHEDULES_FILE: schedules, ARCHIVE_CONFIG: outside }, root, etc);
        expect(line.status).toBe('warn');
        expect(line.detail).toContain(`${schedules} 有效；${outside} 有效`);
        expect(line.detail).toContain(`${schedules} 在程序目录（${root}）里`);
        expect(line.detail).toContain('git pull');
        expect(line.detail).toContain(`install -m 640 -g archive-bot ${schedules} ${etc}/`);
        expect(line.detail).toContain(`在 ${etc}/archive-bot.env 里写 SCHEDULES_FILE=${etc}/schedules.yaml`);
        // Only the file that is inside is named.
        expect(line.detail).not.toContain('ARCHIVE_CONFIG=');
      } finally {
        rmSync(outside, { force: true });
      }
      // The shipped defaults, relative to the program's folder (run from it, as on a server before the move).
      const shipped = settingsFilesLine({}, process.cwd(), etc);
      expect(shipped.status).toBe('warn');
      expect(shipped.detail).toContain(
        `install -m 640 -g archive-bot config/schedules.yaml config/archive.yaml ${etc}/`,
      );
      expect(shipped.detail).toContain(
        `SCHEDULES_FILE=${etc}/schedules.yaml、ARCHIVE_CONFIG=${etc}/archive.yaml`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
