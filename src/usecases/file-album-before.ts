import { setAsideBy } from '../db/repos/burst-split.js';
import { earlierBurstsOf, getBurst } from '../db/repos/bursts.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { setBurstCaption } from '../db/repos/recalled-captions.js';
import { LATE_CAPTION_MS } from '../domain/burst.js';
import { RECALL_CARD_JOB } from '../domain/job-types.js';
import { noneCounted } from '../domain/uncounted-kinds.js';
import { DomainError } from '../errors.js';
import type { BotDeps } from './deps.js';
import { fileBurst, type FilingDeps } from './file-burst.js';

/** How long after one burst the next may start and still be the same album on a slow connection. */
const ALBUM_GAP_MS = 60_000;

/**
 * One album on a slow connection: each 原图 arrives more than the quiet window after the last, so it makes
 * a burst and a card of its own, and the caption 「#C05 村民代表大会」 typed after them is only the last
 * one's. Once a burst is filed by its caption's #code, the same sender's bursts in the same chat just
 * before it are filed to that task too — newest first, while each started at most LATE_CAPTION_MS before
 * it, ended at most ALBUM_GAP_MS (a minute: one original after another on a slow connection) before the
 * next one started, has its card out and untouched (nobody tapped it, no filing ever, not set aside, not
 * split, not a part) and no caption of its own, the sender wrote no text after it (a 「#C05」 of its own
 * still to be taken, chat, a caption of the photos after it), and the task counts some of its files. The
 * first that is not so ends the run: photos with a caption, a text or a tap of their own, or sent well
 * before, are meant for something else.
 * Each takes the caption (so its 题名 is the album's), is filed as its sender (fileBurst: the same checks as
 * a tap), and its cards are drawn again (a `recall-card` job: the filed card). The bursts filed.
 */
export async function fileAlbumBefore(
  deps: BotDeps & FilingDeps,
  filed: { burstId: number; caption: string | null },
  task: { taskId: number; kinds: readonly string[] },
): Promise<number[]> {
  const out: number[] = [];
  const earlier = await earlierBurstsOf(deps.db, { burstId: filed.burstId, withinMs: LATE_CAPTION_MS });
  const start = await getBurst(deps.db, filed.burstId);
  if (!start) return out;
  let next = start.firstAt;
  for (const b of earlier) {
    if (!b.untouched || b.textAfter || next.getTime() - b.lastAt.getTime() > ALBUM_GAP_MS) break;
    if ((await setAsideBy(deps.db, b.id)) !== undefined) break;
    const burst = await getBurst(deps.db, b.id);
    if (!burst) break;
    next = b.firstAt;
    const usable = (await materialsOfBurst(deps.db, b.id)).filter(
      (m) => m.status === 'stored' && m.role !== 'cover' && !m.formatRefused,
    );
    if (
      usable.length === 0 ||
      noneCounted(
        usable.map((m) => m.kind),
        task.kinds,
      )
    )
      break;
    await setBurstCaption(deps.db, b.id, filed.caption);
    try {
      const outcome = await fileBurst(deps, {
        burstId: b.id,
        taskId: task.taskId,
        actorOpenId: burst.senderOpenId,
        via: 'code',
      });
      // Tapped at the same moment (already filed), or refused: left as it is.
      if (outcome.status !== 'filed') {
        if (outcome.status === 'refused') await setBurstCaption(deps.db, b.id, null);
        break;
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await setBurstCaption(deps.db, b.id, null);
      break;
    }
    const now = deps.clock.now();
    await enqueueJob(
      deps.db,
      {
        type: RECALL_CARD_JOB,
        key: `${b.id}:album:${filed.burstId}`,
        payload: { burstId: b.id },
        runAt: now,
      },
      now,
    );
    out.push(b.id);
  }
  if (out.length > 0)
    deps.logger.info({ burstId: filed.burstId, with: out }, 'earlier parts of an album filed by its #code');
  return out;
}
