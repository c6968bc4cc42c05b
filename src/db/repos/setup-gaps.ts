import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** A village still missing something the bot needs to work for it. */
export interface VillageGap {
  code: string;
  fullName: string;
  /** No chat actively bound (none, or only one the bot was removed from: `pausedChat`). */
  noChat: boolean;
  /** Its only binding is paused: the bot was removed from the chat. */
  pausedChat: boolean;
  /** Nobody holds 村干部 (officer) on the village itself. */
  noOfficer: boolean;
  /** Nobody holds 档案员 (archivist) on the village or any unit above it. */
  noArchivist: boolean;
}

export interface SetupGaps {
  villages: number;
  gaps: VillageGap[];
  /** Townships and counties. */
  leaderUnits: number;
  /**
   * Townships and counties where nobody holds 领导 (leader) on the unit itself: nobody there gets its
   * weekly digest (digest-recipients.ts) or its late-task escalations (reminder-audience.ts).
   * `leadersChat`: its digest goes to a leaders' chat the bot is in (units set … digestChat=…), so
   * only the escalations, sent to leaders by direct message, reach nobody.
   */
  noLeader: { code: string; fullName: string; leadersChat: boolean }[];
  /** Units retired (撤并): not checked, only counted. */
  retired: number;
  /** Group chats the bot is in that are bound to no unit. */
  unboundChats: { chatId: string; name: string | null }[];
}

/** What the first setup still lacks: four set-based reads (a county's ~200 villages in one go). */
export async function setupGaps(db: Db): Promise<SetupGaps> {
  const rows = await queryRows<{
    code: string;
    full_name: string;
    active_chat: boolean | string;
    paused_chat: boolean | string;
    officer: boolean | string;
    archivist: boolean | string;
  }>(
    db,
    sql`select u.code, u.full_name,
          exists (select 1 from chat_bindings b where b.unit_id = u.id and b.status = 'active') as active_chat,
          exists (select 1 from chat_bindings b where b.unit_id = u.id and b.status = 'paused') as paused_chat,
          exists (select 1 from unit_roles r where r.unit_id = u.id and r.role = 'officer') as officer,
          exists (select 1 from unit_roles r where r.role = 'archivist'
                    and r.unit_id in (select p::bigint from unnest(string_to_array(u.path, '/')) p where p <> '')) as archivist
        from units u where u.kind = 'village' and u.status = 'active' order by u.code`,
  );
  const yes = (v: boolean | string) => v === true || v === 't';
  const unbound = await queryRows<{ chat_id: string; name: string | null }>(
    db,
    sql`select c.chat_id, c.name from chats c
        where c.active and c.chat_type <> 'p2p'
          and not exists (select 1 from chat_bindings b where b.chat_id = c.chat_id and b.status <> 'ended')
        order by c.name nulls last, c.chat_id`,
  );
  const leads = await queryRows<{
    code: string;
    full_name: string;
    leader: boolean | string;
    leaders_chat: boolean | string;
  }>(
    db,
    sql`select u.code, u.full_name,
          exists (select 1 from unit_roles r where r.unit_id = u.id and r.role = 'leader') as leader,
          coalesce(u.settings->>'digest', '') <> 'false' and exists (select 1 from chats c
            where c.chat_id = u.settings->>'digestChat' and c.active) as leaders_chat
        from units u where u.kind in ('county', 'township') and u.status = 'active'
        order by u.kind = 'township', u.code`,
  );
  const [retired] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from units where status = 'retired'`,
  );
  return {
    villages: rows.length,
    leaderUnits: leads.length,
    noLeader: leads
      .filter((l) => !yes(l.leader))
      .map((l) => ({ code: l.code, fullName: l.full_name, leadersChat: yes(l.leaders_chat) })),
    retired: Number(retired?.n ?? 0),
    gaps: rows
      .map((r) => ({
        code: r.code,
        fullName: r.full_name,
        noChat: !yes(r.active_chat),
        pausedChat: !yes(r.active_chat) && yes(r.paused_chat),
        noOfficer: !yes(r.officer),
        noArchivist: !yes(r.archivist),
      }))
      .filter((g) => g.noChat || g.noOfficer || g.noArchivist),
    unboundChats: unbound.map((c) => ({ chatId: c.chat_id, name: c.name })),
  };
}
