import type { UnitRow } from '../db/repos/units.js';
import {
  changesAfterTransfer,
  listTransferPackages,
  type ChangeAfterTransfer,
} from '../db/repos/transfer-packages.js';
import { localDateTime } from '../domain/catalogue-date.js';
import type { CliContext } from './commands.js';
import { packageSizeText } from '../domain/package-size-text.js';
import { handoverText, sentWhereText, statedText } from '../domain/transfer-changes.js';
import { recordEditsAfterTransfer } from '../db/repos/transfer-record-edits.js';
import { recordEditText } from '../domain/record-edit.js';

/**
 * `archive transfers [--unit CODE] [--year YYYY]`: the recorded transfer packages, newest first (when,
 * who, scope, 件 on the carrier, 数字摘要, where written, sent to the chat or not), then 移交后变更: each
 * 档号 a 移交包 carried that was retired since (撤销确认, or a recall), which the county archive still holds
 * and must be sent a correction for; then those of live records (著录已改, 文件已撤回: the 档号 kept).
 */
export async function listTransfers(
  ctx: CliContext,
  scope: { unit?: UnitRow; year?: number },
  timeZone: string,
): Promise<void> {
  const where = { unitPath: scope.unit?.path, year: scope.year };
  const when = (at: Date) => localDateTime(at, timeZone).slice(0, 16);
  const packages = await listTransferPackages(ctx.db, where);
  ctx.out(`移交包记录 ${packages.length} 个${packages.length ? '（新的在前）：' : ''}`);
  if (packages.some((p) => !p.preCheck && !p.handedAt && !p.voidedAt))
    ctx.out(
      '  （已生成、未记录移交的包：交给县档案馆后用 archive transfers --handed 包号 --date YYYY-MM-DD ' +
        '--receiver 接收单位和接收人 记录；不移交的用 --void 包号 --reason 原因 作废）',
    );
  for (const p of packages) {
    const who = p.source === 'cli' ? '命令行' : `群聊 ${p.actorName ?? p.actor}`;
    const sent = p.sentAt ? `，${sentWhereText(p.sentChatId)}（${when(p.sentAt)}）` : '';
    const size = packageSizeText(p);
    const state = handoverText(p, (at) => localDateTime(at, timeZone).slice(0, 10));
    ctx.out(
      `  #${p.id} ${when(p.createdAt)} ${p.unitName}（${p.unitCode}）${p.year}年度 ` +
        `${p.preCheck ? '预检包（四性检测不通过，不得移交）' : '移交包'} 全宗 ${p.fondsCodes}，${p.records} 件` +
        `${size ? `，${size}` : ''}${state ? `；${state}` : ''}；` +
        `${who}${sent}\n     数字摘要 ${p.digest}\n     ${p.outDir}`,
    );
  }
  // One line per retired 档号, however many packages carried it: the totals count 档号, not carryings.
  const byRecord = new Map<number, ChangeAfterTransfer[]>();
  for (const c of await changesAfterTransfer(ctx.db, where))
    byRecord.set(c.recordId, [...(byRecord.get(c.recordId) ?? []), c]);
  if (byRecord.size === 0) ctx.out('移交后变更：无');
  else listRetired(ctx, byRecord, when);
  const edits = await recordEditsAfterTransfer(ctx.db, where);
  if (edits.total === 0) {
    ctx.out('移交后变更（著录已改、文件已撤回）：无');
    return;
  }
  ctx.out(
    `移交后变更（著录已改、文件已撤回）${edits.total} 项（档号不变；县档案馆保存的移交包中仍是改动前的著录和文件；` +
      '下一个移交包的说明文件会列出，该包记录移交后不再列在这里）：',
  );
  for (const e of edits.rows)
    ctx.out(
      `  ${e.archivalCode}（条目 ${e.itemId}）随移交包 #${e.packageId}（${when(e.packageAt)}）移交；` +
        `${when(e.at)} ${recordEditText(e)}`,
    );
}

/** The retired 档号, one line each with the packages that carried it. */
function listRetired(
  ctx: CliContext,
  byRecord: Map<number, ChangeAfterTransfer[]>,
  when: (at: Date) => string,
): void {
  const owed = [...byRecord.values()].filter(([c]) => !c!.reported).length;
  ctx.out(
    `移交后变更 ${byRecord.size} 项，待报送 ${owed} 项（县档案馆保存的移交包中仍是原档号，请报送更正；` +
      '报送后用 archive transfers --reported 条目ID [--note 报送方式] 标记）：',
  );
  for (const carriers of byRecord.values()) {
    const c = carriers[0]!;
    const sent = carriers.map((p) => `#${p.packageId}（${when(p.packageAt)}）`).join('、');
    ctx.out(
      `  ${c.archivalCode}（条目 ${c.itemId}）随移交包 ${sent}移交；` +
        `${when(c.withdrawnAt)} 档号停用${c.withdrawnReason ? `：${c.withdrawnReason}` : ''}` +
        `${c.reconfirmedAs ? `；现档号 ${c.reconfirmedAs}` : '；尚未重新确认归档'}` +
        (c.statedIn ? `；${statedText(c)}` : '') +
        (c.reported
          ? `；已报送更正（${c.reported.byName ?? (c.reported.by === 'cli' ? '命令行' : c.reported.by)}，${when(c.reported.at)}` +
            `${c.reported.note ? `，报送方式：${c.reported.note}` : ''}）`
          : '；待报送更正'),
    );
  }
}
