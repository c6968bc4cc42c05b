import { listUnitPeople } from '../db/repos/people.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import type { IncomingMessage, Mention } from '../domain/incoming.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import { parseRole, ROLE_LABEL, UNIT_ROLES, type UnitRole } from '../domain/units-people.js';
import { grantRole, revokeRole } from './change-role.js';
import { leadersChatOf, unitsOfGroup } from './group-units.js';
import { chatMemberNames } from './chat-member-names.js';
import type { BotDeps } from './deps.js';
import { replyText } from './reply-text.js';
import type { Command } from '../domain/commands.js';
import type { CommandAccess, CommandDeclaration, RoleAudience, UnitQuestion } from './feature.js';
import { unitCalled, unitNaming, whichUnit } from './unit-naming.js';
import { resolveUnit } from './unit-commands.js';
import { retiredUnitRefusal } from './retired-unit-refusal.js';

/** What a role command handler is given (the declaration's `Command`). */
interface RoleCommand {
  args: string;
}

const ROLE_WORDS = UNIT_ROLES.map((r) => ROLE_LABEL[r]).join('、');
/** Filler words people put between the name and the role: 设置 @张三 为 档案员. */
const FILLER = new Set(['为', '成', '做', '当', '作为', '的', '角色']);

interface RoleRequest {
  people: Mention[];
  role: UnitRole;
  unit: UnitRow;
}

/** The request's words: the people @mentioned (not the bot), the role, the words naming a unit. */
async function requestWords(deps: BotDeps, msg: IncomingMessage, cmd: RoleCommand) {
  const bot = await deps.botOpenId();
  const people = msg.mentions.filter((m) => m.openId && m.openId !== bot);
  const words = cmd.args.split(' ').filter((w) => w && !FILLER.has(w));
  const roleAt = words.findIndex((w) => parseRole(w) !== undefined);
  const role = roleAt < 0 ? undefined : parseRole(words[roleAt]!);
  return { people, words, role, unitWords: words.filter((_, i) => i !== roleAt).join(' ') };
}

/**
 * The unit a well-formed `设置` / `撤销角色` is about (someone @mentioned, a role named): the unit
 * the dispatcher checks the sender administers. undefined otherwise (the handler says what is missing).
 */
async function requestUnit(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: Command,
): Promise<UnitRow | UnitQuestion | undefined> {
  const r = await requestWords(deps, msg, cmd);
  if (r.people.length === 0 || !r.role) return undefined;
  const unit = await targetUnit(deps, msg, r.unitWords);
  if (unit === 'unknown') return undefined;
  if (!unit || !('several' in unit)) return unit;
  // Two 东村: the question's example is the whole command, the people @mentioned as they were.
  const [verb] = cmd.text.split(' ');
  const text = [verb, ...r.people.map((p) => `@${p.name}`), ROLE_LABEL[r.role], r.unitWords].join(' ');
  return {
    units: unit.several,
    question: whichUnit(r.unitWords, unit.several, sentAs(text, chatWhere(msg.chatType))),
  };
}

/**
 * Reads `设置 @张三 档案员 [单位]` / `撤销角色 @张三 档案员 [单位]`: someone is @mentioned, the role
 * exists, the unit is known (named like 进度 accepts it; else the chat's unit, or in a direct message
 * the one unit the sender administers; the dispatcher checked the sender administers it or above).
 * Replies with the reason and returns undefined when anything is missing.
 */
async function readRequest(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: RoleCommand,
  access: CommandAccess,
  verb: '设置' | '撤销角色',
): Promise<RoleRequest | undefined> {
  const say = (text: string) => replyText(deps.gateway, msg.messageId, text, `role-${msg.messageId}`);
  const example = `例如「${verb} @张三 档案员」`;
  const { people, words, role, unitWords } = await requestWords(deps, msg, cmd);
  if (people.length === 0)
    return void (await say(`请 @ 要${verb === '设置' ? '设置' : '撤销'}的人，${example}。`));
  if (!role)
    return void (await say(
      words[0]
        ? `没有「${words[0]}」这个角色。可用的角色：${ROLE_WORDS}。`
        : `请写上角色（${ROLE_WORDS}），${example}。`,
    ));
  if (access.unit) return { people, role, unit: access.unit };
  if ((await targetUnit(deps, msg, unitWords)) === 'unknown')
    return void (await say(
      `找不到单位「${unitWords}」。请写单位名称或代码，${example.slice(0, -1)} 东村」。`,
    ));
  if (msg.chatType === 'p2p') return void (await say(`请写上单位，${example.slice(0, -1)} 东村」。`));
  // A leaders' chat of units side by side: which one (never told to bind: it is rightly bound to none).
  const units = await unitsOfGroup(deps.db, msg.chatId);
  return void (await say(
    `${units.length > 1 ? leadersChatOf(units) : '本群还没有绑定单位'}，请写上单位，${example.slice(0, -1)} 东村」。`,
  ));
}

/**
 * The unit named (as every command naming a unit reads it: the chat's own units first, unitNaming; two
 * named equally: `several`), else the chat's unit (its bound unit, or the outermost unit it is the
 * leaders' chat of: group-units.ts; several side by side: none), else the one the sender administers.
 */
async function targetUnit(
  deps: BotDeps,
  msg: IncomingMessage,
  words: string,
): Promise<UnitRow | { several: UnitRow[] } | 'unknown' | undefined> {
  if (words) {
    const picked = (await unitNaming(deps.db, msg))(words);
    return picked.kind === 'one'
      ? picked.unit
      : picked.kind === 'several'
        ? { several: picked.units }
        : 'unknown';
  }
  if (msg.chatType !== 'p2p') {
    const units = await unitsOfGroup(deps.db, msg.chatId);
    return units.length === 1 ? units[0] : undefined;
  }
  const mine = msg.senderOpenId ? await unitsOfPerson(deps.db, msg.senderOpenId, 'admin') : [];
  return mine.length === 1 ? mine[0] : undefined;
}

const names = (people: Mention[]) => people.map((p) => p.name || '（未知）').join('、');

/**
 * `设置 @张三 档案员 [单位]`: gives the role (audited); an admin of the unit or above only. Refused on a
 * retired unit (撤并), naming the unit it merged into.
 */
async function setRoleCommand(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: RoleCommand,
  access: CommandAccess,
): Promise<void> {
  const req = await readRequest(deps, msg, cmd, access, '设置');
  if (!req) return;
  // A retired unit (撤并) takes no new people: say where its work went.
  if (req.unit.status === 'retired') {
    const into = req.unit.mergedIntoId === null ? [] : [await getUnitById(deps.db, req.unit.mergedIntoId)];
    const byId = new Map(into.flatMap((u) => (u ? [[u.id, u] as const] : [])));
    return replyText(
      deps.gateway,
      msg.messageId,
      `${retiredUnitRefusal(req.unit, byId)}。`,
      `role-${msg.messageId}`,
    );
  }
  const added: Mention[] = [];
  const already: Mention[] = [];
  for (const p of req.people) {
    const ok = await grantRole(deps, {
      unitId: req.unit.id,
      person: { openId: p.openId!, name: p.name || undefined },
      role: req.role,
      actor: msg.senderOpenId!,
      source: 'chat',
      chatId: msg.chatId,
    });
    (ok ? added : already).push(p);
  }
  const label = ROLE_LABEL[req.role];
  const { shown } = await unitCalled(deps.db, req.unit);
  const lines = [
    added.length > 0 ? `已把 ${names(added)} 设为${shown}的${label}。` : '',
    already.length > 0 ? `${names(already)} 已经是${shown}的${label}。` : '',
  ];
  await replyText(deps.gateway, msg.messageId, lines.filter(Boolean).join('\n'), `role-${msg.messageId}`);
}

/** `撤销角色 @张三 档案员 [单位]`: takes the role away (audited); never an admin's own admin role. */
async function revokeRoleCommand(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: RoleCommand,
  access: CommandAccess,
): Promise<void> {
  const req = await readRequest(deps, msg, cmd, access, '撤销角色');
  if (!req) return;
  if (req.role === 'admin' && req.people.some((p) => p.openId === msg.senderOpenId))
    return replyText(
      deps.gateway,
      msg.messageId,
      '不能撤销自己的管理员角色，请让其他管理员操作。',
      `role-${msg.messageId}`,
    );
  const removed: Mention[] = [];
  const absent: Mention[] = [];
  for (const p of req.people) {
    const ok = await revokeRole(deps, {
      unitId: req.unit.id,
      person: { openId: p.openId! },
      role: req.role,
      actor: msg.senderOpenId!,
      source: 'chat',
      chatId: msg.chatId,
    });
    (ok ? removed : absent).push(p);
  }
  const label = ROLE_LABEL[req.role];
  const { shown } = await unitCalled(deps.db, req.unit);
  const lines = [
    removed.length > 0 ? `已撤销 ${names(removed)} 在${shown}的${label}角色。` : '',
    absent.length > 0 ? `${names(absent)} 在${shown}没有${label}角色。` : '',
  ];
  await replyText(deps.gateway, msg.messageId, lines.filter(Boolean).join('\n'), `role-${msg.messageId}`);
}

/** `人员 [单位]`: who holds which role on the unit (readable by whoever may read its 进度). */
async function listPeopleCommand(deps: BotDeps, msg: IncomingMessage, cmd: RoleCommand): Promise<void> {
  const { unit } = await resolveUnit(deps, msg, cmd.args);
  if (!unit) return;
  const people = await listUnitPeople(deps.db, unit.id);
  // A holder with no name on record (a role given without one) is named as this group knows them.
  const chatId = msg.chatType === 'p2p' ? undefined : msg.chatId;
  const names = await chatMemberNames(
    deps,
    people.filter((p) => !p.name).map((p) => ({ openId: p.openId, chatId })),
  );
  const lines = [...UNIT_ROLES].reverse().flatMap((role) => {
    const holders = people
      .filter((p) => p.role === role)
      .map((p) => p.name ?? names.get(p.openId) ?? '（未登记姓名）')
      .sort((a, b) => a.localeCompare(b, 'zh-CN'));
    return holders.length > 0 ? [`${ROLE_LABEL[role]}：${holders.join('、')}`] : [];
  });
  const text = [
    lines.length > 0 ? `${unit.name}的人员：` : `${unit.name}还没有设置人员。`,
    ...lines,
    '上级单位的人员也管本单位；绑定群的成员不用设置也能交材料。',
  ].join('\n');
  await replyText(deps.gateway, msg.messageId, text, `people-${msg.messageId}`);
}

/** Admins of the request's unit or above. */
const admins = (doing: string): RoleAudience => ({ roles: ['admin'], doing, unit: requestUnit });

/** 设置, 撤销角色 and 人员: their words, audiences, help lines and handlers. */
export const roleCommands: CommandDeclaration[] = [
  {
    name: 'set_role',
    words: ['设置', '设置角色', '设为'],
    who: admins('设置角色'),
    usage: '设置 @某人 档案员 [单位]',
    help: '给人设置角色',
    handle: setRoleCommand,
  },
  {
    name: 'revoke_role',
    words: ['撤销角色', '取消角色'],
    who: admins('撤销角色'),
    usage: '撤销角色 @某人 档案员 [单位]',
    help: '撤销某人的角色',
    handle: revokeRoleCommand,
  },
  {
    name: 'people',
    words: ['人员', '人员名单', 'people'],
    who: 'everyone',
    usage: '人员 [单位]',
    help: '本单位的人员和角色',
    handle: listPeopleCommand,
  },
];
