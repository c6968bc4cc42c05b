import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariables, ConfigError, loadConfig } from '../../src/config.js';
import { repoRoot } from '../support/bot-process.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const example = readFileSync(join(repoRoot, 'config/.env.example'), 'utf8');

/** README's configuration table: each variable with its default cell and the whole row. */
function readmeRows(): Map<string, { default: string; row: string }> {
  const rows = new Map<string, { default: string; row: string }>();
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Operations'));
  for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
    const [, names, defaults] = row.split(' | ').length > 2 ? ['', ...row.slice(2).split(' | ')] : [];
    const nameList = [...names!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!);
    const defaultList = defaults!.split(' / ').map((d) => d.replace(/`/g, '').trim());
    nameList.forEach((name, i) =>
      rows.set(name, { default: defaultList[nameList.length === defaultList.length ? i : 0]!, row }),
    );
  }
  return rows;
}

/**
 * The IT person configures from README's table and config/.env.example: every variable the bot reads is
 * in both, with the default the program uses and, for whole numbers, the range it accepts; a value out
 * of range is refused naming that range.
 */
describe('configuration documentation matches src/config.ts', () => {
  const variables = configVariables();
  const rows = readmeRows();

  it('every variable is in the README table with its default and range', () => {
    for (const v of variables) {
      const row = rows.get(v.name);
      expect(row, v.name).toBeDefined();
      if (v.default !== undefined) expect(row!.default, v.name).toBe(v.default);
      if (v.min !== undefined && v.max !== undefined) expect(row!.row, v.name).toContain(`${v.min}–${v.max}`);
    }
  });

  it('every variable is in config/.env.example with its default and range', () => {
    const lines = example.split('\n');
    for (const v of variables) {
      const at = lines.findIndex((l) => new RegExp(`^#? ?${v.name}=`).test(l));
      expect(at, v.name).toBeGreaterThanOrEqual(0);
      const value = lines[at]!.replace(/^#? ?[A-Z0-9_]+=/, '');
      if (v.default !== undefined && value !== '') expect(value, v.name).toBe(v.default);
      if (v.min !== undefined && v.max !== undefined) {
        // The comment right above the variable (or above the pair it is in) says the range.
        let i = at - 1;
        while (i >= 0 && /^[A-Z0-9_]+=/.test(lines[i]!)) i--;
        let comment = '';
        for (; i >= 0 && lines[i]!.startsWith('#'); i--) comment = `${lines[i]}\n${comment}`;
        expect(comment, v.name).toContain(`${v.min}–${v.max}`);
      }
    }
  });

  it('a value out of range is refused naming the range', () => {
    const base = { LARK_APP_ID: 'cli_a1b2c3d4e5f60718', LARK_APP_SECRET: 'x' };
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ WORKER_CONCURRENCY: '100' })).toEqual([
      'WORKER_CONCURRENCY：要写 1 到 64 之间的整数。例如 4，即不填时的默认值',
    ]);
    expect(problems({ WORKER_LEASE_SECONDS: '2' })).toEqual([
      'WORKER_LEASE_SECONDS：要写不小于 5 的整数。例如 300，即不填时的默认值',
    ]);
    expect(problems({ WORKER_LEASE_SECONDS: '1.5' })).toEqual([
      'WORKER_LEASE_SECONDS：要写整数。例如 300，即不填时的默认值',
    ]);
    expect(problems({ LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL：只能是 fatal、error、warn、info、debug、trace 或 silent。例如 info',
    ]);
    // Below 8 hours runs at 28800 with a warning (config.test), not refused: older .env files hold such values.
    expect(problems({ WEBHOOK_MAX_AGE_SECONDS: '60' })).toEqual([]);
    expect(problems({ WEBHOOK_MAX_AGE_SECONDS: '0' })).toEqual([
      'WEBHOOK_MAX_AGE_SECONDS：要写不小于 1 的整数。例如 28800，即不填时的默认值',
    ]);
    expect(problems({ PORT: '70000' })).toEqual(['PORT：要写 0 到 65535 之间的整数。例如 3000']);
  });
});
