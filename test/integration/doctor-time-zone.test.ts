import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/ops/doctor.js';

describe('doctor: the holiday years are the years in the configured TZ', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'doctor-tz-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const doctor = (env: Record<string, string>, now: Date) =>
    runDoctor({ DATA_DIR: join(dataDir, 'data'), ...env }, now);
  const holidayYears = async (env: Record<string, string>, now: Date) =>
    (await doctor(env, now)).map((l) => l.label).filter((label) => label.startsWith('节假日表'));

  // 31 December, 23:00 in Urumqi (Xinjiang keeps UTC+6): 1 January already in Beijing.
  const newYearsEveInUrumqi = new Date('2026-12-31T17:00:00Z');

  it('with the Lark settings not written yet (the configuration refused), TZ still decides the year', async () => {
    const lines = await doctor({ TZ: 'Asia/Urumqi' }, newYearsEveInUrumqi);
    expect(lines.find((l) => l.label === '配置')).toMatchObject({ status: 'fail' });
    expect(lines.map((l) => l.label).filter((label) => label.startsWith('节假日表'))).toEqual([
      '节假日表 2026',
      '节假日表 2027',
    ]);
  });

  it('without TZ (or with one that is not a zone) the default, Asia/Shanghai, is the year', async () => {
    expect(await holidayYears({}, newYearsEveInUrumqi)).toEqual(['节假日表 2027', '节假日表 2028']);
    expect(await holidayYears({ TZ: 'Asia/Nowhere' }, newYearsEveInUrumqi)).toEqual([
      '节假日表 2027',
      '节假日表 2028',
    ]);
  });
});
