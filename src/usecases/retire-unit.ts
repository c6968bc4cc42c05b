import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { endBinding, insertBinding } from '../db/repos/units-chat-bindings.js';
import { getUnitByCode, getUnitById, type UnitRow } from '../db/repos/units.js';
import {
  activeChildren,
  liveBindingsOfUnit,
  lockUnits,
  reopenTasksOfRetired,
  setUnitStatus,
  waiveOpenTasksOfRetired,
} from '../db/repos/unit-retirement.js';
import { plainDay } from '../domain/plain-date.js';
import { localDay, zonedInstant } from '../domain/working-days.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { enqueueNotify, textContent } from './notify.js';

export interface RetireDeps {
  db: Db;
  clock: Clock;
  timeZone: string;
}

export interface RetireOutcome {
  unit: UnitRow;
  into: UnitRow | undefined;
  /** The local day it was retired: 'YYYY-MM-DD'. */
  day: string;
  /** Open tasks, not complete, now waived (不用交: 单位已撤并). */
  tasksWaived: number;
  /** Chats that worked for it: re-bound to `into`, or unbound when there is none. */
  chats: string[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function unitOrRefuse(db: Db, code: string): Promise<UnitRow> {
  const unit = await getUnitByCode(db, code);
  if (!unit) throw new DomainError('unit_not_found', `找不到单位 ${code}（units list 可看全部单位编码）`);
  return unit;
}

/** The unit a retired one merged into, for messages (「已并入 西村」). */
async function mergedInto(db: Db, unit: UnitRow): Promise<UnitRow | undefined> {
  return unit.mergedIntoId === null ? undefined : getUnitById(db, unit.mergedIntoId);
}

/** A retirement day that is a real day written YYYY-MM-DD (the command line checks it before opening the database). */
export function checkRetireDay(day: string, timeZone: string): void {
  if (!DAY.test(day) || localDay(zonedInstant(day, '12:00', timeZone), timeZone) !== day)
    throw new DomainError('bad_date', `日期 ${day} 不对，写成 2026-12-01 这样`);
}

/**
 * Retires a unit (撤并村, 撤乡并镇): it stays in the tree with its tasks, items, 档号 and fonds, but is
 * no longer chased. Its open tasks that are not complete are waived (reopened by `restoreUnit`), its
 * chats are re-bound to the unit it merged into (`intoCode`, a sibling) or unbound, and each chat the
 * bot is in is told so. Refused while a child is still active, or when `intoCode` is not an active
 * sibling. Audited.
 */
export async function retireUnit(
  deps: RetireDeps,
  input: { code: string; intoCode?: string; day?: string },
): Promise<RetireOutcome> {
  const { db, timeZone } = deps;
  const now = deps.clock.now();
  const today = localDay(now, timeZone);
  const unit = await unitOrRefuse(db, input.code);
  if (unit.status === 'retired') {
    const was = await mergedInto(db, unit);
    const since = unit.retiredAt ? `${plainDay(localDay(unit.retiredAt, timeZone), today)}` : '';
    throw new DomainError(
      'unit_already_retired',
      `${unit.name}（${unit.code}）已于${since}${was ? `并入 ${was.name}（${was.code}）` : '撤销'}，不用再撤；要恢复用 units restore ${unit.code}`,
    );
  }
  if (unit.parentId === null)
    throw new DomainError('unit_is_root', `${unit.name}（${unit.code}）是最上级单位，不能撤销`);
  const day = input.day ?? today;
  checkRetireDay(day, timeZone);
  if (day > today) throw new DomainError('future_date', `日期 ${day} 还没到：撤并生效后再执行`);
  const children = await activeChildren(db, unit.id);
  if (children.length > 0) throw childrenStillActive(unit, children);
  let into: UnitRow | undefined;
  if (input.intoCode !== undefined) {
    into = await unitOrRefuse(db, input.intoCode);
    if (into.id === unit.id)
      throw new DomainError('merge_into_self', `${unit.name}（${unit.code}）不能并入它自己`);
    if (into.status === 'retired')
      throw new DomainError(
        'merge_into_retired',
        `${into.name}（${into.code}）也已撤并，不能再并入它；请并入现在还在的单位`,
      );
    if (into.parentId !== unit.parentId || into.kind !== unit.kind) {
      const parentOf = async (u: UnitRow) =>
        u.parentId === null ? undefined : (await getUnitById(db, u.parentId))?.name;
      throw new DomainError(
        'merge_into_not_sibling',
        `${into.name}（${into.code}）不是 ${unit.name} 的同级单位` +
          `（${unit.name}属于${(await parentOf(unit)) ?? '最上级'}，${into.name}属于${(await parentOf(into)) ?? '最上级'}）：` +
          `只能并入同一上级下的同类单位。跨乡镇合并的，先用 units import 把 ${unit.name} 改到新的乡镇下，再撤并`,
      );
    }
  }
  const retiredAt = zonedInstant(day, '00:00', timeZone);
  const reason = into ? `${unit.name}已并入${into.name}` : `${unit.name}已撤销`;
  const chats: string[] = [];
  const tasksWaived = await db.transaction(async (tx) => {
    // The unit merged into too: one retired by another command since the checks above gets no chats.
    const locked = await lockUnits(tx, into ? [unit.id, into.id] : [unit.id]);
    if (locked.get(unit.id)?.status !== 'active')
      throw new DomainError('unit_already_retired', `${unit.name}（${unit.code}）刚被撤并，不用再撤`);
    if (into && locked.get(into.id)?.status !== 'active')
      throw new DomainError(
        'merge_into_retired',
        `${into.name}（${into.code}）刚被撤并，不能再并入它；请并入现在还在的单位`,
      );
    // A child imported or restored meanwhile keeps the unit.
    const late = await activeChildren(tx, unit.id);
    if (late.length > 0) throw childrenStillActive(unit, late);
    await setUnitStatus(tx, unit.id, { at: retiredAt, intoId: into?.id ?? null }, now);
    const waived = await waiveOpenTasksOfRetired(tx, unit.id, now, reason);
    for (const b of await liveBindingsOfUnit(tx, unit.id)) {
      chats.push(b.chatId);
      await endBinding(tx, b.id, now);
      await insertAudit(tx, {
        at: now,
        actor: 'cli',
        action: 'unbind',
        source: 'cli',
        unitId: unit.id,
        chatId: b.chatId,
        details: { retired: true, replacedByUnitId: into?.id ?? null },
      });
      if (into) {
        await insertBinding(tx, { chatId: b.chatId, unitId: into.id, boundBy: 'cli' }, now);
        await insertAudit(tx, {
          at: now,
          actor: 'cli',
          action: 'bind',
          source: 'cli',
          unitId: into.id,
          chatId: b.chatId,
          details: { previousUnitId: unit.id, merged: true },
        });
      }
      // A chat the bot was removed from (paused) hears nothing; it is re-bound all the same.
      if (b.status === 'active')
        await enqueueNotify(
          tx,
          {
            receiveIdType: 'chat_id',
            receiveId: b.chatId,
            msgType: 'text',
            content: textContent(chatNotice(unit, into, plainDay(day, today))),
            uuid: `retire-${unit.id}-${b.id}`,
          },
          now,
        );
    }
    await insertAudit(tx, {
      at: now,
      actor: 'cli',
      action: 'retire_unit',
      source: 'cli',
      unitId: unit.id,
      details: { day, intoUnitId: into?.id ?? null, tasksWaived: waived, chats: chats.length },
    });
    return waived;
  });
  return { unit, into, day, tasksWaived, chats };
}

/** What the chat of a retired unit is told (plain words: no codes, no commands). */
function chatNotice(unit: UnitRow, into: UnitRow | undefined, since: string): string {
  return into
    ? `${unit.name}已并入${into.name}（${since}起）。本群以后交的材料都交到${into.name}的任务下，` +
        `提醒也按${into.name}发。${unit.name}已交的材料和档号都还在，不受影响。`
    : `${unit.name}已撤销（${since}起），本群不再为${unit.name}收材料，也不再提醒。` +
        `已交的材料和档号都还在。以后还要在本群交材料的，请管理员把本群绑定到接手的单位。`;
}

function childrenStillActive(unit: UnitRow, children: { code: string; name: string }[]): DomainError {
  const listed = children
    .slice(0, 10)
    .map((c) => `${c.name}（${c.code}）`)
    .join('、');
  return new DomainError(
    'unit_has_active_children',
    `${unit.name}（${unit.code}）下面还有 ${children.length} 个单位没有撤并：${listed}${children.length > 10 ? '……' : ''}。` +
      `先把它们撤并（units retire 编码 --into 编码），或用 units import 移到别的上级下`,
  );
}

export interface RestoreOutcome {
  unit: UnitRow;
  /** The unit it had merged into (its chats stay bound there). */
  wasInto: UnitRow | undefined;
  tasksReopened: number;
}

/**
 * Undoes `retireUnit`: the unit is active again and the tasks retiring it waived are open again.
 * Chats stay where they are (bind one back with `chats bind`). Refused while its parent is retired.
 */
export async function restoreUnit(deps: RetireDeps, input: { code: string }): Promise<RestoreOutcome> {
  const { db } = deps;
  const now = deps.clock.now();
  const unit = await unitOrRefuse(db, input.code);
  if (unit.status !== 'retired')
    throw new DomainError('unit_not_retired', `${unit.name}（${unit.code}）没有撤并，不用恢复`);
  const parent = unit.parentId === null ? undefined : await getUnitById(db, unit.parentId);
  if (parent?.status === 'retired') throw parentRetired(unit, parent);
  const wasInto = await mergedInto(db, unit);
  const tasksReopened = await db.transaction(async (tx) => {
    // The parent too: retiring it takes its row lock before counting its active children, so the
    // two never cross (a unit restored under a parent retired meanwhile).
    const locked = await lockUnits(tx, parent ? [unit.id, parent.id] : [unit.id]);
    if (locked.get(unit.id)?.status !== 'retired')
      throw new DomainError('unit_not_retired', `${unit.name}（${unit.code}）刚被恢复，不用再恢复`);
    if (parent && locked.get(parent.id)?.status !== 'active') throw parentRetired(unit, parent);
    await setUnitStatus(tx, unit.id, null, now);
    const reopened = await reopenTasksOfRetired(tx, unit.id);
    await insertAudit(tx, {
      at: now,
      actor: 'cli',
      action: 'restore_unit',
      source: 'cli',
      unitId: unit.id,
      details: { wasIntoUnitId: wasInto?.id ?? null, tasksReopened: reopened },
    });
    return reopened;
  });
  return { unit, wasInto, tasksReopened };
}

function parentRetired(unit: UnitRow, parent: UnitRow): DomainError {
  return new DomainError(
    'parent_retired',
    `${unit.name}的上级 ${parent.name}（${parent.code}）也已撤并：先恢复 ${parent.code}，或用 units import 把 ${unit.name} 改到别的上级下`,
  );
}
