import { describe, expect, it } from 'vitest';
import { planReminders, type PlanTask, type PlanUnit } from '../../src/domain/reminder-plan.js';

// county 1 → township 2 → villages 3, 4; township 5 → village 6
const units = new Map<number, PlanUnit>(
  [
    { id: 1, path: '/1/', kind: 'county', remindersOff: false },
    { id: 2, path: '/1/2/', kind: 'township', remindersOff: false },
    { id: 3, path: '/1/2/3/', kind: 'village', remindersOff: false },
    { id: 4, path: '/1/2/4/', kind: 'village', remindersOff: false },
    { id: 5, path: '/1/5/', kind: 'township', remindersOff: false },
    { id: 6, path: '/1/5/6/', kind: 'village', remindersOff: false },
  ].map((u) => [u.id, u]),
);
const now = new Date('2026-11-25T01:00:00Z');
let nextId = 1;
const task = (unitId: number, dueDay: string, position = 0): PlanTask => ({
  taskId: nextId++,
  unitId,
  dueDay,
  dueMs: Date.parse(`${dueDay}T15:59:59Z`), // 23:59:59 in Shanghai
  position,
  code: `C${String(position).padStart(2, '0')}`,
});
// Working days late = calendar days here (the real calendar is tested elsewhere).
const lateDays = (dueDay: string) =>
  Math.max(0, Math.round((Date.parse('2026-11-25') - Date.parse(dueDay)) / 86_400_000));

const base = {
  now,
  units,
  chatsByUnit: new Map([
    [3, ['oc_v3']],
    [4, ['oc_v4a', 'oc_v4b']],
    [6, ['oc_v6']],
    [2, ['oc_t2']],
  ]),
  leadersByUnit: new Map([
    [1, ['ou_county']],
    [2, ['ou_town2', 'ou_both']],
    [5, ['ou_both']],
  ]),
  workingDaysLate: lateDays,
  escalation: { township: 3, county: 10 },
  maxItems: 2,
  escalationMaxItems: 10,
};

describe('planReminders', () => {
  it('gives each bound chat of a unit with due work one reminder, most urgent first, and none elsewhere', () => {
    const soon = task(3, '2026-11-27', 1);
    const old = task(3, '2026-11-24', 2);
    const older = task(3, '2026-11-23', 3);
    const v4 = task(4, '2026-11-26', 1);
    const plan = planReminders({
      ...base,
      tasks: [soon, old, older, v4],
      escalation: { township: 99, county: 99 },
    });
    expect(plan.chats).toEqual([
      { chatId: 'oc_v3', unitId: 3, taskIds: [older.taskId, old.taskId], overdue: 2, dueSoon: 1 },
      { chatId: 'oc_v4a', unitId: 4, taskIds: [v4.taskId], overdue: 0, dueSoon: 1 },
      { chatId: 'oc_v4b', unitId: 4, taskIds: [v4.taskId], overdue: 0, dueSoon: 1 },
    ]);
    expect(plan.escalations).toEqual([]);
  });

  it('escalates past N working days to township leaders and past M to county leaders', () => {
    const atN = task(3, '2026-11-22'); // 3 days late: not more than N
    const pastN = task(3, '2026-11-21'); // 4 days
    const atM = task(4, '2026-11-15'); // 10 days: township only
    const pastM = task(6, '2026-11-14'); // 11 days: township 5 and county
    const plan = planReminders({ ...base, tasks: [atN, pastN, atM, pastM] });
    const byLeader = Object.fromEntries(plan.escalations.map((e) => [e.openId, e]));
    expect(Object.keys(byLeader).sort()).toEqual(['ou_both', 'ou_county', 'ou_town2']);
    expect(byLeader.ou_county!.items.map((i) => i.taskId)).toEqual([pastM.taskId]);
    expect(byLeader.ou_town2!.items.map((i) => i.taskId)).toEqual([atM.taskId, pastN.taskId]);
    // Leading two townships: one message with both, oldest first.
    expect(byLeader.ou_both).toMatchObject({ unitIds: [2, 5], total: 3 });
    expect(byLeader.ou_both!.items.map((i) => [i.taskId, i.workingDaysLate])).toEqual([
      [pastM.taskId, 11],
      [atM.taskId, 10],
      [pastN.taskId, 4],
    ]);
  });

  it('honours settings.reminders === false on a unit and everything below it', () => {
    const tOff = new Map(units);
    tOff.set(2, { ...units.get(2)!, remindersOff: true });
    const plan = planReminders({
      ...base,
      units: tOff,
      tasks: [task(3, '2026-11-01'), task(4, '2026-11-01'), task(6, '2026-11-24')],
    });
    expect(plan.chats.map((c) => c.chatId)).toEqual(['oc_v6']);
    expect(plan.escalations.map((e) => e.openId)).toEqual([]);
  });

  it('caps escalation lists and keeps the total', () => {
    const many = Array.from({ length: 15 }, (_, i) => task(3, '2026-11-01', i));
    const plan = planReminders({ ...base, tasks: many, escalationMaxItems: 5 });
    const county = plan.escalations.find((e) => e.openId === 'ou_county')!;
    expect(county.items).toHaveLength(5);
    expect(county.total).toBe(15);
  });
});
