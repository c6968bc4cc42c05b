import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { endBinding, getLiveBinding, insertBinding, switchBinding } from '../db/repos/units-chat-bindings.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface BindDeps {
  db: Db;
  clock: Clock;
}

export interface BoundUnit {
  id: number;
  code: string;
  name: string;
  fullName: string;
}

export type BindOutcome =
  | {
      status: 'bound' | 'rebound' | 'already_bound' | 'resumed';
      unit: BoundUnit;
      previousUnitId?: number;
      message: string;
    }
  | { status: 'busy'; message: string };

class BindRace extends Error {}

const bound = (u: UnitRow): BoundUnit => ({ id: u.id, code: u.code, name: u.name, fullName: u.fullName });

/**
 * Binds a group chat to a unit (the chat then files for it). Rebinding ends the old binding (kept,
 * audited); binding a paused chat to the same unit resumes it. Who may bind is the caller's call.
 */
export async function bindChat(
  deps: BindDeps,
  input: { chatId: string; unitId: number; actorOpenId: string; source?: 'chat' | 'card' | 'cli' },
): Promise<BindOutcome> {
  const unit = await getUnitById(deps.db, input.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  if (unit.status === 'retired') {
    const into = unit.mergedIntoId === null ? undefined : await getUnitById(deps.db, unit.mergedIntoId);
    throw new DomainError(
      'unit_retired',
      into
        ? `${unit.name}已并入${into.name}，不能再绑定；请绑定 ${into.name}`
        : `${unit.name}已撤销，不能再绑定`,
    );
  }
  const source = input.source ?? 'chat';
  const now = deps.clock.now();
  const live = await getLiveBinding(deps.db, input.chatId);
  if (live?.unitId === unit.id && live.status === 'active')
    return { status: 'already_bound', unit: bound(unit), message: `本群已绑定 ${unit.fullName}` };
  if (live?.unitId === unit.id) {
    await resumeChatBinding(deps, { chatId: input.chatId, actorOpenId: input.actorOpenId });
    return { status: 'resumed', unit: bound(unit), message: `本群已恢复绑定 ${unit.fullName}` };
  }
  const ok = await deps.db
    .transaction(async (tx) => {
      if (live) {
        await endBinding(tx, live.id, now);
        await insertAudit(tx, {
          at: now,
          actor: input.actorOpenId,
          action: 'unbind',
          source,
          unitId: live.unitId,
          chatId: input.chatId,
          details: { replacedByUnitId: unit.id },
        });
      }
      // A concurrent bind won: roll back (the old binding stays as it was).
      if (
        !(await insertBinding(tx, { chatId: input.chatId, unitId: unit.id, boundBy: input.actorOpenId }, now))
      )
        throw new BindRace();
      await insertAudit(tx, {
        at: now,
        actor: input.actorOpenId,
        action: 'bind',
        source,
        unitId: unit.id,
        chatId: input.chatId,
        details: { previousUnitId: live?.unitId ?? null },
      });
      return true;
    })
    .catch((err) => {
      if (err instanceof BindRace) return false;
      throw err;
    });
  if (!ok) return { status: 'busy', message: '本群正在被绑定，请稍后再看' };
  return live
    ? {
        status: 'rebound',
        unit: bound(unit),
        previousUnitId: live.unitId,
        message: `本群已改为绑定 ${unit.fullName}`,
      }
    : { status: 'bound', unit: bound(unit), message: `本群已绑定 ${unit.fullName}` };
}

/** The bot was removed from the chat: pause its binding (nothing is deleted). */
export async function pauseChatBinding(
  deps: BindDeps,
  input: { chatId: string; actorOpenId?: string },
): Promise<boolean> {
  return switchAndAudit(deps, input, 'paused');
}

/** The bot was added back: the paused binding becomes active again. */
export async function resumeChatBinding(
  deps: BindDeps,
  input: { chatId: string; actorOpenId?: string },
): Promise<boolean> {
  return switchAndAudit(deps, input, 'active');
}

async function switchAndAudit(
  deps: BindDeps,
  input: { chatId: string; actorOpenId?: string },
  to: 'active' | 'paused',
): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const changed = await switchBinding(tx, input.chatId, to, now);
    if (!changed) return false;
    await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId ?? 'system',
      action: to === 'paused' ? 'pause' : 'resume',
      source: 'chat',
      unitId: changed.unitId,
      chatId: input.chatId,
    });
    return true;
  });
}
