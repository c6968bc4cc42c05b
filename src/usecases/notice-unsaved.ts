import { materialForNotice } from '../db/repos/materials.js';
import { tooLargeLimitMb, unsavedLines } from '../domain/burst-summary.js';
import { materialName } from './acknowledge-burst.js';
import type { BotDeps } from './deps.js';

/**
 * Tells the sender that one file of an already answered burst could not be saved, and what to do
 * (the same words as the burst's reply would have used), as a reply to the burst's first message.
 * Sent once: the job is keyed by the material and the send carries a uuid derived from it.
 */
export async function noticeUnsaved(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'metrics'>,
  materialId: number,
  opts: { maxFileBytes: number },
): Promise<void> {
  const m = await materialForNotice(deps.db, materialId);
  if (!m) return;
  const name = materialName(m);
  const lines = unsavedLines({
    ...(m.status === 'needs_reupload' ? { [m.forwarded ? 'needsReupload' : 'refused']: [name] } : {}),
    ...(m.status === 'too_large'
      ? {
          tooLarge: [{ name, video: m.kind === 'video' }],
          maxMb: tooLargeLimitMb(opts.maxFileBytes, m.sizeBytes !== null && m.sizeBytes > opts.maxFileBytes),
        }
      : {}),
    ...(m.status === 'empty' ? { empty: [name] } : {}),
    ...(m.status === 'failed' ? { failed: [name] } : {}),
  });
  if (lines.length === 0) return; // saved after all (a retried download)
  await deps.gateway.reply({
    messageId: m.replyTo,
    message: {
      msgType: 'text',
      content: JSON.stringify({ text: `刚才的材料中有文件没能保存。\n${lines.join('\n')}` }),
    },
    uuid: `unsaved-${materialId}`,
  });
  deps.metrics.inc('unsaved_notices_total');
}
