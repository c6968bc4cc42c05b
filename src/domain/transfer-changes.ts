/**
 * What the archivist is told about a 档号 a 移交包 carried (transfer_packages): the county archive holds
 * the package, so retiring the number there needs a correction sent to it (移交后变更).
 */

/** Said before 撤销确认 (the correction card). */
export const transferredWarning = (on: string, archivalCode: string): string =>
  `该件已于${on}随移交包移交：撤销确认后，县档案馆保存的移交包中仍是档号 ${archivalCode}，需要向县档案馆报送更正。`;

/**
 * Said after it (the reply, the card, the command line, a recall's message to the archivists). With
 * the pages (`transfersUrl`: the unit's 移交包 page) the link comes last, so nothing runs into it.
 */
export const transferredAfter = (on: string, archivalCode: string, transfersUrl?: string): string =>
  `该件已于${on}随移交包移交，县档案馆保存的移交包中仍是档号 ${archivalCode}：请向县档案馆报送更正（档号停用及原因；` +
  (transfersUrl
    ? `已列入「移交后变更」）。报送后请在移交包页点「已报送更正」：${transfersUrl}`
    : '已列入「移交后变更」，管理员可用 archive transfers 查看）。');

/**
 * Said when a 件 a 移交包 carried keeps its 档号 but changes (files recalled, 著录 changed: `what`, 「文件」
 * or 「著录」), the second kind of 移交后变更. With the pages the link comes last.
 */
export const changedAfterTransfer = (
  on: string,
  archivalCode: string,
  what: string,
  transfersUrl?: string,
): string =>
  `该件已于${on}随移交包移交，县档案馆保存的移交包中仍是改动前的${what}（档号 ${archivalCode} 不变），需要时请向县档案馆报送` +
  (transfersUrl
    ? `（已列入「移交后变更」）：${transfersUrl}`
    : '（已列入「移交后变更」，管理员可用 archive transfers 查看）。');

/**
 * Said with 撤销确认 or a 著录 change of a 件 a 移交包 carries that is only made (已生成: not voided, not a
 * 预检包, its handover not recorded): it may have been handed over all the same, and then the change is
 * owed to the county archive only once the handover is recorded.
 */
export const madeNotHandedWarning = (packageIds: number[]): string =>
  `${packageIds.map((id) => `移交包 #${id}`).join('、')}（已生成，未登记移交）含这一件：如果已经交给档案馆，请先登记移交`;

/** The unit's 移交包 page (移交包记录 and 移交后变更), under PUBLIC_URL. */
export const transfersPath = (unitId: number): string => `/units/${unitId}/transfers`;

/** One recorded package's page (what it holds and what happened to it), under PUBLIC_URL. */
export const packagePath = (packageId: number): string => `/transfers/${packageId}`;

/** One recorded package's folder as a ZIP made on the fly (its page's 下载), under PUBLIC_URL. */
export const packageDownloadPath = (packageId: number): string => `/transfers/${packageId}/download`;

/**
 * Where a chat export's package was sent, as transfer_packages.sent_chat_id keeps it: a chat's id
 * (oc_…, packages sent into a chat before they went by direct message), or the requester's open_id
 * (ou_…): sent to them directly.
 */
export const sentDirectly = (sentChatId: string | null | undefined): boolean =>
  sentChatId?.startsWith('ou_') === true;

/** 「已私信发给导出人」 or 「已发送到群」, for a sent package's line in the 移交包 lists. */
export const sentWhereText = (sentChatId: string | null | undefined): string =>
  sentDirectly(sentChatId) ? '已私信发给导出人' : '已发送到群';

/** A recorded package's handover state as its rows say it (a 预检包 says nothing: it is never handed over). */
export function handoverText(
  p: {
    preCheck: boolean;
    handedAt: Date | null;
    handedTo: string | null;
    voidedAt: Date | null;
    voidReason: string | null;
  },
  day: (at: Date) => string,
): string {
  if (p.voidedAt) return `已作废（${day(p.voidedAt)}${p.voidReason ? `：${p.voidReason}` : ''}）`;
  if (p.handedAt) return `已移交（${day(p.handedAt)}，接收：${p.handedTo ?? '未记录'}）`;
  return p.preCheck ? '' : '已生成，未记录移交';
}

/**
 * Which 移交包's 说明文件 states a 移交后变更 (statedIn): 「已写入移交包 #N 的说明文件」, and 「（未移交）」 while
 * that package is only made — the county archive hears of the change only once it is handed over (voided,
 * it states nothing and the next package states the change again).
 */
export function statedText(c: { statedIn: number | null; statedHanded: boolean }): string {
  return c.statedIn === null
    ? ''
    : `已写入移交包 #${c.statedIn} 的说明文件${c.statedHanded ? '' : '（未移交）'}`;
}
