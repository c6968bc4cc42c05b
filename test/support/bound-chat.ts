import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { queryRows } from '../../src/db/client.js';
import { chatMemberEvent } from './events.js';
import { startHarness, type Harness } from './harness.js';
import type { ManualClock } from './manual-clock.js';
import { seedOrg, type SeededOrg } from './seed-org.js';
import { waitFor } from './wait-for.js';

/**
 * The village's work group: known to the fake Lark with its officer (and `others`, e.g. someone nobody
 * registered), and bound to the village (as `chats bind` does). Returns the village's id.
 */
export async function bindVillageChat(
  h: Harness,
  org: SeededOrg,
  chatId: string,
  others: { openId: string; name: string }[] = [],
): Promise<number> {
  h.fake.addChat({
    chatId,
    name: '城关村工作群',
    members: [{ openId: org.officer, name: '王村官' }, ...others],
  });
  const unit = (await getUnitByCode(h.db.db, org.village))!;
  await bindChat({ db: h.db.db, clock: h.bot.deps.clock }, { chatId, unitId: unit.id, actorOpenId: 'cli' });
  return unit.id;
}

/**
 * Someone (`name`) joins the village's work group in the fake Lark's member list, without the member
 * event Lark sends (`deliverMemberEvent` delivers it): the bot learns of them only by reading the list
 * again (not cached yet, or a lookup past MEMBERS_RECHECK_FLOOR_MS); `others` as bindVillageChat's.
 * Returns their open id.
 */
export function joinVillageChat(
  h: Harness,
  org: SeededOrg,
  chatId: string,
  newcomer: string,
  name = '新村干',
  others: { openId: string; name: string }[] = [],
): string {
  h.fake.addChat({
    chatId,
    name: '城关村工作群',
    members: [{ openId: org.officer, name: '王村官' }, ...others, { openId: newcomer, name }],
  });
  return newcomer;
}

/**
 * Lark tells the bot that `users` joined `chatId` (`added`), left it (`deleted`) or had their invitation
 * withdrawn (`withdrawn`): the member event through the webhook, resolved once the bot has processed
 * it. (The fake's own member list is the test's to change, as Lark's changes.) The event's row status.
 */
export async function deliverMemberEvent(
  h: Harness,
  chatId: string,
  type: 'added' | 'deleted' | 'withdrawn',
  users: { openId: string; name?: string }[],
): Promise<string> {
  const event = chatMemberEvent({ appId: h.fake.appId, type, chatId, users });
  const res = await h.post(event);
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to a member event`);
  const [row] = await waitFor(`member event ${type} processed`, async () => {
    const rows = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from inbound_events where event_id = ${event.header.event_id}
          and status not in ('pending', 'processing')`,
    );
    return rows.length > 0 && rows;
  });
  return row!.status;
}

/**
 * A harness on `clock` with an org (`prefix`) whose village works in `chatId`, and a second connection
 * to the same PostgreSQL database (`other`: to hold locks or end the bot's connections from outside).
 * PostgreSQL only (`h.db.url`).
 */
export async function startVillageWithSecondConnection(
  clock: ManualClock,
  prefix: string,
  chatId: string,
): Promise<{ h: Harness; org: SeededOrg; other: postgres.Sql }> {
  const h = await startHarness({ clock });
  const org = await seedOrg(h.db.db, { prefix });
  await bindVillageChat(h, org, chatId);
  return { h, org, other: postgres(h.db.url!, { max: 1, onnotice: () => {} }) };
}
