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
  /**
   * No task of a campaign of the year checked (no 任务清单 this year): its officers' materials are kept
   * but wait, with nothing to file them to, and its chat is not reminded (unitsWithOpenTasks).
   */
  noTasks: boolean;
}

/**
 * What `campaigns create` for the year would be given: the year's village campaign when there is one
 * (its checklist and deadline: running it again adds only the missing tasks), else a village checklist
 * loaded (`checklist` undefined: none loaded yet, `campaigns load-checklists` first).
 */
export interface TasksHint {
  checklist: string | undefined;
  /** The existing campaign's deadline and code; undefined: none this year. */
  deadline: Date | undefined;
  code: string | undefined;
  /** The one active county (every village under it): `--parent`. */
  county: string | undefined;
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
  /**
   * Group chats the bot is in that are bound to no unit and are no active unit's leaders' chat
   * (settings.digestChat, which gets that unit's weekly digest and is rightly bound to none).
   */
  unboundChats: { chatId: string; name: string | null }[];
  /** How to give the villages with `noTasks` their tasks. */
  tasksHint: TasksHint;
  /**
   * Active villages with households imported but no household task of the year (一户一档 not given
   * to them: `campaigns create` of a household checklist was never run, or ran before the import).
   */
  householdsNoTasks: { code: string; fullName: string }[];
  /** What that `campaigns create` is given: the year's household campaign, else a household checklist loaded. */
  householdHint: TasksHint;
}

/**
 * What the first setup still lacks: a few set-based reads (a county's ~200 villages in one go).
 * `year`: the year whose 任务清单 every active village needs (the current one in TZ).
 */
export async function setupGaps(db: Db, year: number): Promise<SetupGaps> {
  const rows = await queryRows<{
    code: string;
    full_name: string;
    active_chat: boolean | string;
    paused_chat: boolean | string;
    officer: boolean | string;
    archivist: boolean | string;
    tasks: boolean | string;
  }>(
    db,
    sql`select u.code, u.full_name,
          exists (select 1 from chat_bindings b where b.unit_id = u.id and b.status = 'active') as active_chat,
          exists (select 1 from chat_bindings b where b.unit_id = u.id and b.status = 'paused') as paused_chat,
          exists (select 1 from unit_roles r where r.unit_id = u.id and r.role = 'officer') as officer,
          exists (select 1 from unit_roles r where r.role = 'archivist'
                    and r.unit_id in (select p::bigint from unnest(string_to_array(u.path, '/')) p where p <> '')) as archivist,
          exists (select 1 from tasks t join campaigns c on c.id = t.campaign_id
                    where t.unit_id = u.id and c.year = ${year}) as tasks
        from units u where u.kind = 'village' and u.status = 'active' order by u.code`,
  );
  const yes = (v: boolean | string) => v === true || v === 't';
  const unbound = await queryRows<{ chat_id: string; name: string | null }>(
    db,
    sql`select c.chat_id, c.name from chats c
        where c.active and c.chat_type <> 'p2p'
          and not exists (select 1 from chat_bindings b where b.chat_id = c.chat_id and b.status <> 'ended')
          and not exists (select 1 from units u where u.status = 'active' and u.settings->>'digestChat' = c.chat_id)
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
  const tasksHint = await tasksHintOf(db, year, 'village');
  const householdsNoTasks = await queryRows<{ code: string; full_name: string }>(
    db,
    sql`select u.code, u.full_name from units u
        where u.kind = 'village' and u.status = 'active'
          and exists (select 1 from households h where h.unit_id = u.id)
          and not exists (select 1 from tasks t join campaigns c on c.id = t.campaign_id
                          where t.unit_id = u.id and t.household_id is not null and c.year = ${year})
        order by u.code`,
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
        noTasks: !yes(r.tasks),
      }))
      .filter((g) => g.noChat || g.noOfficer || g.noArchivist || g.noTasks),
    unboundChats: unbound.map((c) => ({ chatId: c.chat_id, name: c.name })),
    tasksHint,
    householdsNoTasks: householdsNoTasks.map((r) => ({ code: r.code, fullName: r.full_name })),
    householdHint: await tasksHintOf(db, year, 'household'),
  };
}

async function tasksHintOf(db: Db, year: number, level: 'village' | 'household'): Promise<TasksHint> {
  const [campaign] = await queryRows<{ code: string; checklist_code: string; deadline: string | Date }>(
    db,
    sql`select c.code, c.checklist_code, c.deadline from campaigns c
        join checklists k on k.code = c.checklist_code and k.version = c.checklist_version
        where c.year = ${year} and k.level = ${level} order by c.created_at, c.id limit 1`,
  );
  const [loaded] = campaign
    ? []
    : await queryRows<{ code: string }>(
        db,
        sql`select code from checklists where level = ${level} order by code limit 1`,
      );
  const counties = await queryRows<{ code: string }>(
    db,
    sql`select code from units where kind = 'county' and status = 'active' order by code limit 2`,
  );
  return {
    checklist: campaign?.checklist_code ?? loaded?.code,
    deadline: campaign ? new Date(campaign.deadline) : undefined,
    code: campaign?.code,
    county: counties.length === 1 ? counties[0]!.code : undefined,
  };
}
