import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnitRole } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { systemClock } from '../../src/ports/clock.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { repoRoot } from '../support/bot-process.js';
import { remindInProcess } from '../support/cli-in-process.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * `npm run remind -- --dry-run` shows the operator what each reminder says: whom it @mentions and to
 * whom an escalation goes by name (「未登记姓名的成员（…末4位）」 when none is on record), never ou_….
 */
describe('the reminder rehearsal names people', () => {
  let db: TestDb;
  let org: SeededOrg;
  let dataDir: string;
  const unnamed = 'ou_RN_second_officer_7c7c';

  beforeAll(async () => {
    db = await createTestDb();
    dataDir = mkdtempSync(join(tmpdir(), 'remind-names-'));
    org = await seedOrg(db.db, { prefix: 'RN', deadline: new Date('2026-11-20T00:00:00+08:00') });
    // 城关村's officer has a name (the people table); 河口村's was given the role by open_id alone.
    for (const [code, chatId] of [
      [org.village, 'oc_RN_village'],
      ['RN12', 'oc_RN_other_village'],
    ] as const) {
      const unit = (await getUnitByCode(db.db, code))!;
      await bindChat({ db: db.db, clock: systemClock }, { chatId, unitId: unit.id, actorOpenId: 'cli' });
      if (code === 'RN12')
        await addUnitRole(db.db, { unitId: unit.id, openId: unnamed, role: 'officer' }, new Date());
    }
  }, 90_000);
  afterAll(async () => {
    await db?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('@mentions and escalations by name', async () => {
    const res = await remindInProcess(
      ['--dry-run', '--at', '2026-12-08T09:00'],
      { DATA_DIR: dataDir, SCHEDULES_FILE: join(repoRoot, 'config/schedules.yaml') },
      db,
    );
    expect(res.code, res.stderr).toBe(0);
    const texts = res.stdout
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('"') && !/^\s*[[\]{}]/.test(l));
    const text = texts.join('\n');
    expect(text).toContain('@王村官');
    expect(text).toContain('@未登记姓名的成员（…7c7c）');
    expect(text).toContain('→ 赵书记');
    expect(text).toContain(
      '河口村 #C14 村脱贫规划及年度实施计划：还缺 1 份文件，逾期 111 个工作日，负责人 未登记姓名的成员（…7c7c）',
    );
    expect(text).not.toMatch(/@ou_|→ ou_/);
    // Each send named as what the bot sends: the leader's is 「逾期未交齐」, not a 督办 (the pages' button).
    expect(text).toContain(`── 给领导的逾期未交齐私信 → open_id ${org.leader}`);
    expect(text).toMatch(/：\d+ 条群提醒，1 条给领导的逾期未交齐私信（演练，未发送）/);
    expect(text).not.toContain('督办');
  }, 60_000);
});
