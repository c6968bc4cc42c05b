import { getUnitById } from '../db/repos/units.js';
import { taskProgress } from '../db/repos/completeness.js';
import { comingTime } from './pages/format.js';
import { messagePage } from './pages/layout.js';
import { URGE_ROLES } from '../domain/units-people.js';
import { URGES_PER_CHAT_A_DAY } from '../domain/urge-period.js';
import { safeReturnPath } from './web-session.js';
import { canSee, holdsRole, NotFound, type PageContext } from './web-context.js';
import { page } from './web-app.js';

const POSITIVE = /^[1-9][0-9]{0,14}$/;

/**
 * POST /urge (unit, optional task, CSRF-checked by the dispatcher): 督办 — the unit's chats get
 * a 督办 card now (built from the reminder's lists): the village's, or one task's, each once per chat per
 * day and at most URGES_PER_CHAT_A_DAY a chat a day (`domain/urge-period.ts`); its answer says 督办 too:
 * that it is arranged (queued; Lark may still refuse it), and where the page shows 「督办未送达」. Leaders, archivists and admins of the unit or above.
 */
export async function urgeAction(c: PageContext): Promise<void> {
  const { unit: unitField, task: taskField, back } = c.form;
  if (
    !POSITIVE.test(unitField ?? '') ||
    (taskField !== undefined && taskField !== '' && !POSITIVE.test(taskField))
  )
    throw new NotFound();
  const unit = await getUnitById(c.deps.db, Number(unitField));
  if (!unit || !canSee(c.viewer, unit.path)) throw new NotFound();
  let taskId: number | undefined;
  let taskName = '';
  if (taskField) {
    const task = await taskProgress(c.deps.db, Number(taskField));
    if (!task || task.unitId !== unit.id) throw new NotFound();
    taskId = task.taskId;
    taskName = `#${task.code} ${task.title}${task.householdName ? `（${task.householdName}户）` : ''}`;
  }
  if (!holdsRole(c.viewer, unit.path, URGE_ROLES)) {
    return page(c.koa, 403, messagePage('不能督办', '只有领导、档案员或管理员可以督办。', c.viewer));
  }
  // A retired unit (撤并) is chased no more: no 督办 (its page offers none; this is a stale form).
  if (unit.status === 'retired')
    return page(
      c.koa,
      200,
      messagePage('督办', `${unit.name}已撤并，不再督办。`, c.viewer, safeReturnPath(back)),
    );
  const outcome = await c.deps.urge({
    unitId: unit.id,
    taskId,
    by: c.viewer.openId,
    byName: c.viewer.name,
  });
  const now = c.deps.clock.now();
  // Pressed in quiet hours, it waits for their end: say when, not that it was sent.
  const sendsAt = outcome.sendsAt ?? now;
  const later = sendsAt.getTime() > now.getTime();
  const when = comingTime(sendsAt, now, c.deps.timeZone);
  const text = {
    sent: later
      ? `现在是免打扰时段，督办将在${when} 发到${unit.name}的群里（${outcome.chats} 个群）${taskName ? `，点名「${taskName}」` : ''}。`
      : // Queued, not yet sent: Lark may still refuse it (the bot taken out of the chat). Where that shows.
        `督办已安排发送到${unit.name}的群里（${outcome.chats} 个群）${taskName ? `，点名「${taskName}」` : ''}，一般几秒内送到。` +
        `是否送到请稍后刷新${unit.name}的页面查看：没送到会写「督办未送达」，可以再按一次。`,
    already: outcome.covered
      ? `${unit.name}今天已督办过全村的逾期任务（「${taskName}」也在其中），明天可以再次督办。`
      : later
        ? `${unit.name}已经安排了${taskName ? `「${taskName}」的` : ''}督办，${when} 发出，不用再按。`
        : `${unit.name}今天已经督办过${taskName ? `「${taskName}」` : ''}，明天可以再次督办。`,
    full: `${unit.name}的群今天已收到 ${URGES_PER_CHAT_A_DAY} 次督办，为免打扰，明天可以再督办。`,
    nothing_due: `${unit.name}现在没有逾期或快到期的任务，无需督办。`,
    no_chat: `${unit.name}还没有绑定群聊，督办发不出去。请${unit.name}的干部把机器人拉进本村（本单位）的工作群，在群里发送「@归档助手 绑定 ${unit.name}」，之后就能督办。`,
    bot_removed: `机器人已被移出${unit.name}的群，督办发不出去。请群主把机器人重新拉进群，之后就能督办。`,
    task_not_due: `「${taskName}」现在已交齐、免交或还没到期，无需督办。`,
    off: `${unit.name}已关闭提醒和督办（管理员的单位设置），现在不能督办；需要时请管理员重新打开。`,
  }[outcome.status];
  page(
    c.koa,
    200,
    messagePage(outcome.status === 'sent' ? '督办已安排' : '督办', text, c.viewer, safeReturnPath(back)),
  );
}
