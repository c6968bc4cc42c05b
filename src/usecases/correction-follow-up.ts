import type { Db, Tx } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { approvedOpenRequestsOfItem, type ApprovedRequest } from '../db/repos/correction-items.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { CORRECTED_CARD_JOB } from '../domain/job-types.js';
import { enqueueNotify, textContent } from './notify.js';

/** Actors that are no person: nobody to tell. */
const NOBODY = new Set(['cli', 'bot']);

/** A correction as its follow-ups tell of it: who made it, where, and what it did. */
interface CorrectionMade {
  actor: string;
  source: AuditEntry['source'];
  unitId: number;
  taskId: number;
  /** The item as its requester knew it: 「城关村「C03 …」」. */
  label: string;
  /** What the correction did: 「已从「C03 …」改归到「C01 …」」. */
  done: string;
  now: Date;
}

/**
 * The approved 申请更正 this correction carries out: `requestId`, the one whose card it was made from
 * or the command line named (`archive refile|unfile --request`, or the item's one owed request),
 * closed only while still owed. None given (a correction card not opened for a request): nothing is closed.
 */
export type CarriesOut = number | undefined;

/**
 * The approved 申请更正 the correction carries out (CarriesOut), if still owed: a `correction_done`
 * row names it (it is no longer listed as owed) and its requester hears what was changed, in the
 * correction's transaction (the caller holds the item's row lock). Returns the request closed and its
 * requester, if any.
 */
export async function closeApprovedRequest(
  tx: Db | Tx,
  x: CorrectionMade & { itemId: number; requestId: CarriesOut },
): Promise<{ requestId: number; requester: string } | undefined> {
  if (x.requestId === undefined) return undefined;
  const req = (await approvedOpenRequestsOfItem(tx, x.itemId)).find((r) => r.id === x.requestId);
  if (!req) return undefined;
  await insertAudit(tx, {
    at: x.now,
    actor: x.actor,
    action: 'correction_done',
    source: x.source,
    unitId: x.unitId,
    taskId: x.taskId,
    itemId: x.itemId,
    details: { requestId: req.id, done: x.done },
  });
  await enqueueNotify(
    tx,
    {
      receiveIdType: 'open_id',
      receiveId: req.actor,
      msgType: 'text',
      content: textContent(`您申请更正的${x.label}的材料已改好：${x.done}。`),
      uuid: `fixdone-${req.id}`,
    },
    x.now,
  );
  return { requestId: req.id, requester: req.actor };
}

/**
 * The approved 申请更正 `requestId` if it is still owed on `itemId` (the item page's `?r=`: a link from
 * that request's correction card); undefined for one answered otherwise, closed, or of another item.
 */
export async function owedRequestOf(
  db: Db | Tx,
  requestId: number,
  itemId: number,
): Promise<ApprovedRequest | undefined> {
  return (await approvedOpenRequestsOfItem(db, itemId)).find((r) => r.id === requestId);
}

/**
 * After an item was refiled or taken off (改归 / 撤下, from any path), in that transaction: its burst's
 * cards in the chat are drawn again as they are now (a `corrected-card` job keyed by the correction's
 * audit row, so a Lark failure is retried and the change is never lost), the approved request it carries
 * out (`requestId`) is closed (closeApprovedRequest; returned), and the filer, when someone else corrected it, is
 * told in one short direct message (not when the filer is that requester: their answer says it).
 */
export async function followUpCorrection(
  tx: Db | Tx,
  x: CorrectionMade & {
    requestId: CarriesOut;
    auditId: number;
    item: { id: number; burstId: number | null; filedBy: string };
    /** The line to the filer. */
    filerNote: string;
  },
): Promise<{ requestId: number; requester: string } | undefined> {
  if (x.item.burstId !== null)
    await enqueueJob(
      tx,
      {
        type: CORRECTED_CARD_JOB,
        key: `${x.item.burstId}:${x.auditId}`,
        payload: { burstId: x.item.burstId },
        runAt: x.now,
      },
      x.now,
    );
  const closed = await closeApprovedRequest(tx, { ...x, itemId: x.item.id });
  const filer = x.item.filedBy;
  if (filer === x.actor || filer === closed?.requester || NOBODY.has(filer)) return closed;
  await enqueueNotify(
    tx,
    {
      receiveIdType: 'open_id',
      receiveId: filer,
      msgType: 'text',
      content: textContent(x.filerNote),
      uuid: `fixnote-${x.auditId}`,
    },
    x.now,
  );
  return closed;
}
