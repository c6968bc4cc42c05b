import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import postgres from 'postgres';
import { startHarness, type Harness } from './harness.js';
import type { ManualClock } from './manual-clock.js';
import { seedOrg, type SeededOrg } from './seed-org.js';

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
 * Someone (`name`) joins the village's work group after the bot cached its member list (so a tap of
 * theirs makes the bot look the members up again); `others` as bindVillageChat's. Returns their open id.
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
