/**
 * A four-properties run is the folder it wrote under DATA_DIR/reports: 「四性检测-20261206T201000Z」, with
 * 「-2」… when another run took that second. Its id (the name without the prefix) is what a link
 * carries, never a path: anything not of this shape names no run.
 */
export const RUN_FOLDER_PREFIX = '四性检测-';

const RUN_ID = /^\d{8}T\d{6}Z(?:-[1-9]\d{0,3})?$/;

/** The run's id, when `id` has the shape of one (else undefined). */
export const validRunId = (id: unknown): string | undefined =>
  typeof id === 'string' && RUN_ID.test(id) ? id : undefined;

/** The run folder's name for an id; `n` > 1 for a later run in the same second. */
export const runIdOf = (stamp: string, n = 1): string => (n > 1 ? `${stamp}-${n}` : stamp);

/** The Excel report's name as the chat and the download give it: 「四性检测报告-20261206T201000Z.xlsx」. */
export const reportFileName = (runId: string): string => `四性检测报告-${runId}.xlsx`;

/** The web page route that downloads a run's Excel report (the pages ask for sign-in). */
export const fourPropertiesReportPath = (runId: string): string =>
  `/four-properties/report?run=${encodeURIComponent(runId)}`;
