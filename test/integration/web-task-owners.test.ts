import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { openIdOf } from '../support/open-ids.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * The village officer named on the tasks left (`units people remove`) and a new one came: the
 * digest names the new one as 负责人 of the overdue task (domain/task-owners.ts), and so do the
 * pages its buttons open — not the person who left, whom nobody can chase any more.
 */
describe('负责人 on the pages after the officer named on the tasks left', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WO');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  it('names the officer now, as the digest does', async () => {
    const db = w.h.db.db;
    const cli = { db, out: () => {}, clock: w.h.bot.deps.clock };
    const dir = mkdtempSync(join(tmpdir(), 'web-owners-'));
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      `open_id,姓名,单位编码,角色\n${openIdOf('WO_new_officer')},孙新村,${w.org.village},officer\n`,
    );
    await runUnitsCommand(['people', 'import', file], cli);
    rmSync(dir, { recursive: true, force: true });
    await runUnitsCommand(['people', 'remove', w.org.officer], cli);

    // Next Monday's digest for the county leader names the new officer for 城关村's overdue C01.
    const [digest] = await buildDigests(
      db,
      new Date(w.clock.now().getTime() + 7 * 86_400_000),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      w.org.leader,
    );
    const c01 = digest!.figures.oldest.find((o) => o.unitName === '城关村' && o.code === 'C01');
    expect(c01?.owners).toEqual(['孙新村']);

    // The village page's overdue list and the task's page say the same.
    const unitPage = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    const row = /<tr>(?:(?!<\/tr>)[\s\S])*?C01(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(
      unitPage.slice(unitPage.indexOf('id="overdue"')),
    )?.[0];
    expect(row).toContain('孙新村');
    expect(row).not.toContain('王村官');
    const taskPage = await (await w.get(`/tasks/${w.taskC01}`, leader)).text();
    expect(/<dt>负责人<\/dt>\s*<dd>([^<]*)<\/dd>/.exec(taskPage)?.[1]?.trim()).toBe('孙新村');
  });
});
