import type { Db } from '../db/client.js';
import { insertAudit, type ActionSource } from '../db/repos/audit.js';
import { addUnitRole, learnNamesLater, removeUnitRole, upsertPerson } from '../db/repos/people.js';
import type { UnitRole } from '../domain/units-people.js';
import type { Clock } from '../ports/clock.js';

export interface ChangeRoleInput {
  unitId: number;
  person: { openId: string; name?: string };
  role: UnitRole;
  /** open_id of whoever asked, or 'cli'. */
  actor: string;
  source: ActionSource;
  chatId?: string;
}

/**
 * Gives a person a role on a unit (and its subtree), audited in the same transaction. Returns false
 * (and writes nothing) when they already had it. Who may do this is the caller's check.
 */
export async function grantRole(deps: { db: Db; clock: Clock }, input: ChangeRoleInput): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    if (input.person.name)
      await upsertPerson(tx, { openId: input.person.openId, name: input.person.name }, now);
    else await learnNamesLater(tx, [input.person.openId], now);
    const added = await addUnitRole(
      tx,
      { unitId: input.unitId, openId: input.person.openId, role: input.role },
      now,
    );
    if (added) await audit(tx, now, 'grant_role', input);
    return added;
  });
}

/** Takes a role away, audited; false (nothing written) when the person did not have it. */
export async function revokeRole(deps: { db: Db; clock: Clock }, input: ChangeRoleInput): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const removed = await removeUnitRole(tx, {
      unitId: input.unitId,
      openId: input.person.openId,
      role: input.role,
    });
    if (removed) await audit(tx, now, 'revoke_role', input);
    return removed;
  });
}

const audit = (tx: Db, at: Date, action: 'grant_role' | 'revoke_role', input: ChangeRoleInput) =>
  insertAudit(tx, {
    at,
    actor: input.actor,
    action,
    source: input.source,
    unitId: input.unitId,
    chatId: input.chatId ?? null,
    details: { openId: input.person.openId, role: input.role },
  });
