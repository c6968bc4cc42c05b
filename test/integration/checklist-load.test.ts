import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChecklist } from '../../src/db/repos/tasks-checklists.js';
import { DomainError } from '../../src/errors.js';
import { loadChecklists } from '../../src/usecases/load-checklists.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('loading checklist templates', () => {
  let tdb: TestDb;
  let dir: string;
  const clock = new ManualClock('2025-01-02T09:00:00+08:00');

  beforeAll(async () => {
    tdb = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'checklists-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tdb.close();
  });

  it('loads the shipped templates once; reloading unchanged files stores nothing new', async () => {
    const first = await loadChecklists({ db: tdb.db, clock });
    expect(first.map((c) => [c.code, c.version, c.result])).toEqual([
      ['household-jzfp', 1, 'new'],
      ['village-jzfp', 1, 'new'],
    ]);
    expect(first[1]?.sourceFile).toBe('config/checklists/village-jzfp.yaml');
    const again = await loadChecklists({ db: tdb.db, clock });
    expect(again.map((c) => c.result)).toEqual(['unchanged', 'unchanged']);
    const stored = (await getChecklist(tdb.db, 'village-jzfp'))!;
    expect(stored.version).toBe(1);
    expect(stored.content.items.find((i) => i.code === 'C12')).toMatchObject({
      title: '识别公示照片（村级公示 7 天）',
      retention: 'Y',
      kinds: ['photo'],
      min_count: 2,
    });
  });

  it('stores a changed file as a new version and keeps the old one', async () => {
    const text = readFileSync('config/checklists/village-jzfp.yaml', 'utf8').replace(
      'title: 重要会议现场照片',
      'title: 会议现场照片',
    );
    writeFileSync(join(dir, 'village.yaml'), text);
    const [loaded] = await loadChecklists({ db: tdb.db, clock }, { dir });
    expect(loaded).toMatchObject({ code: 'village-jzfp', version: 2, result: 'changed' });
    expect((await getChecklist(tdb.db, 'village-jzfp', 1))!.content.items[4]?.title).toBe('重要会议现场照片');
    expect((await getChecklist(tdb.db, 'village-jzfp'))!.content.items[4]?.title).toBe('会议现场照片');
  });

  it('validates every file before storing any, naming file and field', async () => {
    const bad = `code: bad\ntitle: 坏清单\nlevel: village\nitems:\n  - code: C01\n    title: 某项\n    class: 综合类\n    kinds: [photo]\n`;
    writeFileSync(join(dir, 'zz-bad.yaml'), bad);
    const err = await loadChecklists({ db: tdb.db, clock }, { dir }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.message).toBe(`${join(dir, 'zz-bad.yaml')}: items[0].retention: 缺少此项 (第 5 行)`);
    expect(await getChecklist(tdb.db, 'bad')).toBeUndefined();
  });
});
