import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

export interface AudienceUnit {
  id: number;
  parentId: number | null;
  path: string;
  kind: string;
  code: string;
  name: string;
  /** settings.reminders === false on this unit itself. */
  remindersOff: boolean;
  /** settings.digest === false on this unit itself. */
  digestOff: boolean;
}

/** Who can be reminded: every unit, the chats bound to them, their leaders and officers. */
export interface ReminderAudience {
  units: Map<number, AudienceUnit>;
  /** Actively bound chats per unit. */
  chatsByUnit: Map<number, string[]>;
  leadersByUnit: Map<number, string[]>;
  officersByUnit: Map<number, string[]>;
}

interface AudienceUnitRow {
  id: number;
  parent_id: number | null;
  path: string;
  kind: string;
  code: string;
  name: string;
  /** A boolean, or 't'/'f' from a driver that leaves it as text. */
  reminders_off: boolean | string;
  digest_off: boolean | string;
}

/** The one reading of a unit's switches (units set … reminders=off, digest=off). */
const audienceUnitColumns = sql`id::int as id, parent_id::int as parent_id, path, kind, code, name,
  coalesce(settings->>'reminders', '') = 'false' as reminders_off,
  coalesce(settings->>'digest', '') = 'false' as digest_off`;

const toAudienceUnit = (u: AudienceUnitRow): AudienceUnit => ({
  id: Number(u.id),
  parentId: u.parent_id == null ? null : Number(u.parent_id),
  path: u.path,
  kind: u.kind,
  code: u.code,
  name: u.name,
  remindersOff: u.reminders_off === true || u.reminders_off === 't',
  digestOff: u.digest_off === true || u.digest_off === 't',
});

/** The unit and the units above it, by id (empty: no such unit). */
export async function audienceUnitsOnPath(db: Db, unitId: number): Promise<Map<number, AudienceUnit>> {
  const rows = await queryRows<AudienceUnitRow>(
    db,
    sql`select ${audienceUnitColumns} from units
        where id in (select p::bigint from units u, unnest(string_to_array(u.path, '/')) p
                     where u.id = ${unitId} and p <> '')`,
  );
  return new Map(rows.map((u) => [Number(u.id), toAudienceUnit(u)]));
}

/** Four small set-based reads (a province: ~15,000 units and chats). */
export async function reminderAudience(db: Db): Promise<ReminderAudience> {
  const units = await queryRows<AudienceUnitRow>(db, sql`select ${audienceUnitColumns} from units`);
  const chats = await queryRows<{ unit_id: number; chat_id: string }>(
    db,
    sql`select unit_id::int as unit_id, chat_id from chat_bindings where status = 'active' order by bound_at, chat_id`,
  );
  const roles = await queryRows<{ unit_id: number; open_id: string; role: string }>(
    db,
    sql`select unit_id::int as unit_id, open_id, role from unit_roles where role in ('leader', 'officer')
        order by unit_id, open_id`,
  );
  const push = (m: Map<number, string[]>, k: number, v: string) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  const audience: ReminderAudience = {
    units: new Map(units.map((u) => [Number(u.id), toAudienceUnit(u)])),
    chatsByUnit: new Map(),
    leadersByUnit: new Map(),
    officersByUnit: new Map(),
  };
  for (const c of chats) push(audience.chatsByUnit, Number(c.unit_id), c.chat_id);
  for (const r of roles)
    push(
      r.role === 'leader' ? audience.leadersByUnit : audience.officersByUnit,
      Number(r.unit_id),
      r.open_id,
    );
  return audience;
}

/** Display names of people (open_id → name) for the ids given. */
export async function personNames(db: Db, openIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(openIds)];
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ open_id: string; name: string }>(
    db,
    sql`select open_id, name from people
        where open_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
  );
  return new Map(rows.map((r) => [r.open_id, r.name]));
}
