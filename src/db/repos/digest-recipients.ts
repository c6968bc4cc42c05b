import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

export interface DigestScope {
  id: number;
  path: string;
  code: string;
  name: string;
  fullName: string;
  kind: string;
}

export interface DigestRecipient {
  /** A leader by direct message, or the unit's leaders' chat (unit setting `digestChat`). */
  to: { type: 'open_id' | 'chat_id'; id: string };
  name: string | null;
  unit: DigestScope;
}

interface UnitScopeRow {
  id: number;
  path: string;
  code: DigestScope['code'];
  name: DigestScope['name'];
  full_name: DigestScope['fullName'];
  kind: DigestScope['kind'];
  digest_chat: string | null;
}

const scopeOf = (r: UnitScopeRow): DigestScope => ({
  id: Number(r.id),
  path: r.path,
  code: r.code,
  name: r.name,
  fullName: r.full_name,
  kind: r.kind,
});

/**
 * A unit's leaders' chat (settings.digestChat) that the bot is in: one it was removed from (or never
 * recorded) would refuse every digest, so its leaders get theirs by direct message instead.
 */
const USABLE_DIGEST_CHAT = sql.raw(`case when exists (select 1 from chats c
    where c.chat_id = u.settings->>'digestChat' and c.active) then u.settings->>'digestChat' end`);

/**
 * Every leader with each unit they lead: one digest per (leader, unit), by direct message. A unit
 * inside another unit the same person leads is left out (the outer digest covers it); units with
 * settings.digest === false are left out. A unit with settings.digestChat (a leaders' chat) gets
 * one digest in that chat instead of one per leader, while the bot is in that chat. `onlyOpenId`:
 * that leader's digests (and the chats of the units they lead).
 */
export async function digestRecipients(db: Db, onlyOpenId?: string): Promise<DigestRecipient[]> {
  const rows = await queryRows<
    UnitScopeRow & { open_id: string; person_name: string | null; off: boolean | string }
  >(
    db,
    sql`select r.open_id, p.name as person_name, u.id::int as id, u.path, u.code, u.name, u.full_name, u.kind,
          coalesce(u.settings->>'digest', '') = 'false' as off, ${USABLE_DIGEST_CHAT} as digest_chat
        from unit_roles r join units u on u.id = r.unit_id left join people p on p.open_id = r.open_id
        where r.role = 'leader' and u.status = 'active' ${onlyOpenId === undefined ? sql`` : sql`and r.open_id = ${onlyOpenId}`}
        order by r.open_id, u.path`,
  );
  const out: DigestRecipient[] = [];
  let kept: string[] = [];
  let current: string | undefined;
  const chatUnits = new Set<number>();
  for (const r of rows) {
    if (r.open_id !== current) {
      current = r.open_id;
      kept = [];
    }
    if (r.off === true || r.off === 't') continue;
    if (kept.some((p) => r.path.startsWith(p))) continue;
    kept.push(r.path);
    if (r.digest_chat) {
      chatUnits.add(Number(r.id));
      continue;
    }
    out.push({ to: { type: 'open_id', id: r.open_id }, name: r.person_name ?? null, unit: scopeOf(r) });
  }
  const chats = await queryRows<UnitScopeRow & { digest_chat: string }>(
    db,
    sql`select * from (
          select u.id::int as id, u.path, u.code, u.name, u.full_name, u.kind, ${USABLE_DIGEST_CHAT} as digest_chat
          from units u
          where u.settings->>'digestChat' is not null and coalesce(u.settings->>'digest', '') <> 'false'
            and u.status = 'active') x
        where digest_chat is not null
        order by path`,
  );
  for (const r of chats) {
    if (onlyOpenId !== undefined && !chatUnits.has(Number(r.id))) continue;
    out.push({ to: { type: 'chat_id', id: r.digest_chat }, name: null, unit: scopeOf(r) });
  }
  return out;
}

/** The direct children of a unit still active (a retired one, 撤并, is no digest row), by code. */
export async function childUnits(
  db: Db,
  unitId: number,
): Promise<{ id: number; name: string; path: string }[]> {
  const rows = await queryRows<{ id: number; name: string; path: string }>(
    db,
    sql`select id::int as id, name, path from units where parent_id = ${unitId} and status = 'active' order by code`,
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, path: r.path }));
}
