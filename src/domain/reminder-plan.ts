/** What the daily reminder run decides, before anything is rendered or sent. Pure. */

export interface PlanTask {
  taskId: number;
  unitId: number;
  /** Due instant, ms since the epoch. */
  dueMs: number;
  dueDay: string;
  position: number;
  code: string;
}

export interface PlanUnit {
  id: number;
  path: string;
  kind: string;
  /** settings.reminders === false on this unit (it silences the unit and everything below). */
  remindersOff: boolean;
}

export interface ReminderPlanInput {
  now: Date;
  /** Open tasks still missing materials, overdue or due within the due-soon window. */
  tasks: PlanTask[];
  units: Map<number, PlanUnit>;
  chatsByUnit: Map<number, string[]>;
  leadersByUnit: Map<number, string[]>;
  /** Working days a task due on `dueDay` is late today (0 when not late). */
  workingDaysLate: (dueDay: string) => number;
  /** Overdue by more than N working days → township leaders; more than M → county leaders. */
  escalation: { township: number; county: number };
  maxItems: number;
  escalationMaxItems: number;
}

/** One message to one bound chat: its unit's own tasks, most urgent first. */
export interface ChatReminder {
  chatId: string;
  unitId: number;
  /** The tasks listed (at most maxItems), in order. */
  taskIds: number[];
  overdue: number;
  dueSoon: number;
}

export interface EscalatedTask {
  taskId: number;
  unitId: number;
  workingDaysLate: number;
}

/** One direct message to one leader: overdue work under the townships/counties they lead. */
export interface Escalation {
  openId: string;
  /** The units (townships, counties) this leader is told about. */
  unitIds: number[];
  items: EscalatedTask[];
  /** The tasks past the threshold (listed up to the cap). */
  total: number;
  /** Every overdue task under those units, past the threshold or not (their pages' 逾期 list). */
  overdue: number;
  /** The threshold the items are past, in working days (the lowest of the units': township 3, county 10). */
  afterWorkingDays: number;
}

export interface ReminderPlan {
  chats: ChatReminder[];
  escalations: Escalation[];
}

export const pathIdsOf = (path: string): number[] => path.split('/').filter(Boolean).map(Number);

/** True when the unit or one of its ancestors turned reminders off. */
export function remindersOffFor(unit: PlanUnit, units: Map<number, PlanUnit>): boolean {
  return pathIdsOf(unit.path).some((id) => units.get(id)?.remindersOff === true);
}

const urgency = (a: PlanTask, b: PlanTask) =>
  a.dueMs - b.dueMs || a.position - b.position || a.code.localeCompare(b.code);

export function planReminders(input: ReminderPlanInput): ReminderPlan {
  const { now, units } = input;
  const off = new Map<number, boolean>();
  const isOff = (unitId: number) => {
    let v = off.get(unitId);
    if (v === undefined) {
      const u = units.get(unitId);
      v = !u || remindersOffFor(u, units);
      off.set(unitId, v);
    }
    return v;
  };
  const byUnit = new Map<number, PlanTask[]>();
  for (const t of input.tasks) {
    if (isOff(t.unitId)) continue;
    const list = byUnit.get(t.unitId);
    if (list) list.push(t);
    else byUnit.set(t.unitId, [t]);
  }

  const chats: ChatReminder[] = [];
  for (const [unitId, tasks] of byUnit) {
    const chatIds = input.chatsByUnit.get(unitId);
    if (!chatIds?.length) continue;
    tasks.sort(urgency);
    const overdue = tasks.filter((t) => t.dueMs < now.getTime()).length;
    const taskIds = tasks.slice(0, input.maxItems).map((t) => t.taskId);
    for (const chatId of chatIds)
      chats.push({ chatId, unitId, taskIds, overdue, dueSoon: tasks.length - overdue });
  }
  chats.sort((a, b) => a.unitId - b.unitId || a.chatId.localeCompare(b.chatId));

  // Escalation buckets: township or county unit → its late tasks.
  const buckets = new Map<number, EscalatedTask[]>();
  // Every overdue task under each township/county, past the threshold or not: the card's 共逾期.
  const overdueIn = new Map<number, Set<number>>();
  const limitOf = (u: PlanUnit) =>
    u.kind === 'township' ? input.escalation.township : input.escalation.county;
  const lateMemo = new Map<string, number>();
  for (const [unitId, tasks] of byUnit) {
    const unit = units.get(unitId)!;
    const ancestors = pathIdsOf(unit.path)
      .map((id) => units.get(id))
      .filter((u): u is PlanUnit => u !== undefined && (u.kind === 'township' || u.kind === 'county'));
    if (ancestors.length === 0) continue;
    for (const t of tasks) {
      if (t.dueMs >= now.getTime()) continue;
      let late = lateMemo.get(t.dueDay);
      if (late === undefined) lateMemo.set(t.dueDay, (late = input.workingDaysLate(t.dueDay)));
      for (const a of ancestors) {
        const seen = overdueIn.get(a.id);
        if (seen) seen.add(t.taskId);
        else overdueIn.set(a.id, new Set([t.taskId]));
        const limit = limitOf(a);
        if (late <= limit) continue;
        const list = buckets.get(a.id);
        const item = { taskId: t.taskId, unitId, workingDaysLate: late };
        if (list) list.push(item);
        else buckets.set(a.id, [item]);
      }
    }
  }
  const perLeader = new Map<string, { unitIds: number[]; items: Map<number, EscalatedTask> }>();
  for (const [unitId, items] of buckets) {
    for (const openId of input.leadersByUnit.get(unitId) ?? []) {
      let e = perLeader.get(openId);
      if (!e) perLeader.set(openId, (e = { unitIds: [], items: new Map() }));
      e.unitIds.push(unitId);
      for (const i of items) e.items.set(i.taskId, i);
    }
  }
  const escalations: Escalation[] = [...perLeader]
    .map(([openId, e]) => {
      const all = [...e.items.values()].sort(
        (a, b) => b.workingDaysLate - a.workingDaysLate || a.unitId - b.unitId || a.taskId - b.taskId,
      );
      const overdue = new Set(e.unitIds.flatMap((id) => [...(overdueIn.get(id) ?? [])]));
      return {
        openId,
        unitIds: e.unitIds.sort((a, b) => a - b),
        items: all.slice(0, input.escalationMaxItems),
        total: all.length,
        overdue: overdue.size,
        afterWorkingDays: Math.min(...e.unitIds.map((id) => limitOf(units.get(id)!))),
      };
    })
    .sort((a, b) => a.openId.localeCompare(b.openId));
  return { chats, escalations };
}
