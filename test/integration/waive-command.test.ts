import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { sayToBot } from '../support/chat-actions.js';
import { replyText } from './capture-helpers.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * 免交 and 恢复任务 in chat. The officers are told 「请档案员恢复这项任务」, but a task could be restored only
 * with the IT person's `archive waive --reopen`, and one with nothing filed could not be waived at all (the
 * button is on a filed item's correction card). Webhook in, the real SDK against the fake Lark, a real database.
 */
describe('免交 / 恢复任务 commands', () => {
  let w: SchedulesWorld;
  let village: string;
  beforeAll(async () => {
    w = await schedulesWorld('WV', '2026-11-23T10:00:00+08:00');
    village = w.chats.village1;
  });
  afterAll(() => w?.close());

  let sent = 0;
  const say = async (sender: string, text: string, chatId = village, chatType?: 'p2p') =>
    replyText(
      await sayToBot(w.h, {
        chatId,
        sender,
        text,
        createTimeMs: w.clock.now().getTime() + ++sent,
        ...(chatType ? { chatType } : {}),
      }),
    );
  const task = async (code: string) => {
    const [t] = await queryRows<{ state: string; reason: string | null; by: string | null }>(
      w.h.db.db,
      sql`select t.state, t.waived_reason as reason, t.waived_by as by from tasks t join units u on u.id = t.unit_id
          where u.code = ${w.org.village} and t.code = ${code}`,
    );
    return t!;
  };
  const audits = async (code: string) =>
    queryRows<{ action: string; source: string; actor: string }>(
      w.h.db.db,
      sql`select a.action, a.source, a.actor from audit_log a join tasks t on t.id = a.task_id
          join units u on u.id = t.unit_id where u.code = ${w.org.village} and t.code = ${code} order by a.id`,
    );

  it('the archivist waives a task with nothing filed in the village group, with the reason; audited', async () => {
    const text = await say(w.org.archivist, '免交 C03 本年度不开展');
    expect(text).toMatch(/^「C03 .+」已设为免交（本年度不开展）。这项不再催交，算作完成。$/);
    expect(await task('C03')).toEqual({ state: 'waived', reason: '本年度不开展', by: w.org.archivist });
    expect(await audits('C03')).toEqual([{ action: 'waive', source: 'chat', actor: w.org.archivist }]);
    expect(await say(w.org.archivist, '免交 C03 本年度不开展')).toMatch(/^「C03 .+」已是免交$/);
  });

  it('and restores it: the officers can file to it again', async () => {
    const text = await say(w.org.archivist, '恢复任务 #c3');
    expect(text).toMatch(
      /^「C03 .+」已恢复为需归档。还没交到任务的材料，可发送「@归档助手 未归档」交到这项任务。$/,
    );
    expect((await task('C03')).state).toBe('open');
    expect((await audits('C03')).map((a) => a.action)).toEqual(['waive', 'unwaive']);
    expect(await say(w.org.archivist, '取消免交 C03')).toMatch(/^「C03 .+」本来就不是免交$/);
  });

  it('an officer is refused, and nothing changes', async () => {
    expect(await say(w.org.officer, '免交 C04 不想交')).toBe(
      `只有城关村或上级单位的档案员或领导或管理员可以设置免交。`,
    );
    expect((await task('C04')).state).toBe('open');
  });

  it('a missing reason, code or task is said with the exact command to send', async () => {
    expect(await say(w.org.archivist, '免交 C05')).toBe(
      '请写明免交原因，如「@归档助手 免交 C05 本年度不开展」',
    );
    expect(await say(w.org.archivist, '免交')).toBe(
      '请写上任务编号，如「@归档助手 免交 C03 本年度不开展」。任务编号可发送「@归档助手 任务」查看。',
    );
    expect(await say(w.org.archivist, '免交 C99 没有')).toBe('城关村没有编号为 C99 的任务');
    expect((await task('C05')).state).toBe('open');
  });

  it('a reason that names a unit stays the reason', async () => {
    const text = await say(w.org.archivist, '免交 C06 河口村已代交');
    expect(text).toMatch(/^「C06 .+」已设为免交（河口村已代交）/);
    expect((await task('C06')).reason).toBe('河口村已代交');
  });

  it('in a direct chat the unit is named; the county leader may, from above', async () => {
    const direct = 'oc_p2p_wv_leader';
    expect(await say(w.org.leader, '免交 C07 本年度不开展', direct, 'p2p')).toBe(
      '请在单位工作群里发送，或写上单位名称，如「免交 东村 C03 本年度不开展」',
    );
    const text = await say(w.org.leader, '免交 城关村 C07 本年度不开展', direct, 'p2p');
    expect(text).toMatch(/^「C07 .+」已设为免交（本年度不开展）/);
    expect((await task('C07')).state).toBe('waived');
  });

  it('帮助 lists them for the archivist, not for the officer', async () => {
    expect(await say(w.org.archivist, '帮助')).toContain('免交 任务编号 原因');
    const officerHelp = await say(w.org.officer, '帮助');
    expect(officerHelp).not.toContain('免交 任务编号');
    expect(officerHelp).not.toContain('恢复任务');
  });
});
