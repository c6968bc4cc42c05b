import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsFilesLine } from '../../src/cli/doctor-settings.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isLarkAppId } from '../../src/lark/app-id.js';
import { loadCliSettings, loadSettings } from '../../src/settings.js';

describe('settings', () => {
  it('one app-id rule: cli_ + 16 hex digits, for the configuration and the long connection', () => {
    expect(isLarkAppId('cli_a1b2c3d4e5f60718')).toBe(true);
    for (const bad of ['cli_short', 'cli_a1b2c3d4e5f6071g', 'cli_a1b2c3d4e5f607181', 'a1b2c3d4e5f60718'])
      expect(isLarkAppId(bad), bad).toBe(false);
    expect(() => loadConfig({ LARK_APP_ID: 'cli_short', LARK_APP_SECRET: 's' })).toThrow(
      /LARK_APP_ID: must be cli_ \+ 16 hex digits/,
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
    expect(s.files.warnings.join('\n')).toContain('确认归档/导出 are off');
  });

  it('command-line tools need no Lark credentials, share the defaults and read YAML on first use', () => {
    const s = loadCliSettings({ ARCHIVE_CONFIG: '/nonexistent/archive.yaml' });
    expect(s).toMatchObject({ dataDir: './data', timeZone: 'Asia/Shanghai', databaseUrl: undefined });
    expect(s.schedules.settings().reminders.time).toMatch(/^\d\d:\d\d$/);
    expect(() => s.archive.settings()).toThrow(/\/nonexistent\/archive\.yaml/);
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
      expect(settingsFilesLine({})).toEqual({
        status: 'ok',
        label: '设置文件',
        detail: 'config/schedules.yaml 有效；config/archive.yaml 有效',
      });
      expect(settingsFilesLine({ ARCHIVE_CONFIG: join(dir, 'none.yaml') })).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('确认归档和导出暂不可用'),
      });
      const bad = join(dir, 'schedules.yaml');
      writeFileSync(bad, 'digest:\n  weekday: 9\n');
      const line = settingsFilesLine({ SCHEDULES_FILE: bad });
      expect(line.status).toBe('fail');
      expect(line.detail).toMatch(/schedules\.yaml 有误：\n\s+- digest\.weekday: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
