import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChatJoined } from '../../src/db/repos/chats.js';
import { getLiveBinding } from '../../src/db/repos/units-chat-bindings.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { ORG_CSV } from './campaign-fixtures.js';

/**
 * README's first setup: `npm run cli -- chats bind` binds a village chat the bot is in (its id from
 * `chats list`). A mistyped id used to be bound all the same («本群已绑定 …», exit 0) to a chat that
 * does not exist, while the real chat stayed unbound; and `chats list` named the unit by its row id.
 */
describe('npm run cli -- chats list / bind', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  beforeAll(async () => {
    tdb = await createTestDb();
    await importUnits({ db: tdb.db, clock }, { text: ORG_CSV, fileName: 'org.csv' });
    await recordChatJoined(tdb.db, { chatId: 'oc_village1', name: '东村工作群', at: clock.now() });
  });
  afterAll(() => tdb.close());

  it('refuses a chat the bot has not recorded, binding nothing', async () => {
    const res = await cliInProcess(['chats', 'bind', 'oc_vilage1', 'V1'], {}, tdb);
    expect(res.stderr.trim()).toBe(
      '机器人不在群 oc_vilage1 里（没有记录）：先把机器人加进这个群，再用 npm run cli -- chats list 查群的 ID',
    );
    expect(res.code).toBe(1);
    expect(await getLiveBinding(tdb.db, 'oc_vilage1')).toBeUndefined();
  });

  it('binds a chat the bot is in, and lists it with the unit’s code and name', async () => {
    const bind = await cliInProcess(['chats', 'bind', 'oc_village1', 'V1'], {}, tdb);
    expect(bind.stderr).toBe('');
    expect(bind.code).toBe(0);
    expect(bind.stdout.trim()).toBe('oc_village1：本群已绑定 测试县/甲镇/东村');
    const list = await cliInProcess(['chats', 'list'], {}, tdb);
    expect(list.stdout.trim()).toBe('oc_village1\t在群里\t东村工作群\t已绑定 V1 测试县/甲镇/东村');
  });
});
