import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { peopleNamed, personByOpenId, removeAllUnitRoles } from '../db/repos/people.js';
import { endPersonWebSessions } from '../db/repos/web-sessions.js';
import { isLarkOpenId, openIdProblem } from '../domain/units-people.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface RemovePersonResult {
  openId: string;
  name: string | undefined;
  rolesRemoved: number;
  sessionsEnded: number;
}

/**
 * `units people remove WHO` (WHO: an open_id, or a name exactly one person has): takes away every role
 * the person holds (each audited, actor `cli`) and ends every web session they have, in one
 * transaction, so a cookie copied from their browser stops working at once. The person's row (their
 * name on what they filed) stays.
 */
export async function removePerson(deps: { db: Db; clock: Clock }, who: string): Promise<RemovePersonResult> {
  const person = await findPerson(deps.db, who);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const removed = await removeAllUnitRoles(tx, person.openId);
    for (const r of removed)
      await insertAudit(tx, {
        at: now,
        actor: 'cli',
        action: 'revoke_role',
        source: 'cli',
        unitId: r.unitId,
        details: { openId: person.openId, role: r.role },
      });
    const sessionsEnded = await endPersonWebSessions(tx, person.openId, now);
    // A mistyped open_id is not 「已移除」: the real person would keep their roles unnoticed.
    if (person.name === undefined && removed.length === 0 && sessionsEnded === 0)
      throw new DomainError('person_unknown', `找不到 open_id 为「${who}」的人，没有做任何改动`);
    return { openId: person.openId, name: person.name, rolesRemoved: removed.length, sessionsEnded };
  });
}

async function findPerson(db: Db, who: string): Promise<{ openId: string; name: string | undefined }> {
  if (who.startsWith('ou_')) {
    const known = await personByOpenId(db, who);
    // Checked as the people import checks it. A person stored under a malformed id (imported before
    // that check) can still be removed by it.
    if (!known && !isLarkOpenId(who))
      throw new DomainError('open_id_malformed', `${openIdProblem(who)}，也可以用姓名；没有做任何改动`);
    return { openId: who, name: known?.name };
  }
  const named = await peopleNamed(db, who);
  if (named.length === 1) return named[0]!;
  if (named.length === 0)
    throw new DomainError('person_unknown', `找不到叫「${who}」的人（也可以用 open_id）`);
  throw new DomainError(
    'person_ambiguous',
    `有 ${named.length} 人叫「${who}」，请用 open_id：${named.map((p) => p.openId).join('，')}`,
  );
}
