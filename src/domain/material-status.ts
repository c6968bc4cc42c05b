/**
 * materials.status: the download's outcome, or `recalled`: its message was recalled (撤回) in the chat,
 * so it left the archive path (never downloaded, filed, exported or counted; its bytes, if stored, stay).
 */
export type MaterialStatus =
  'pending' | 'stored' | 'failed' | 'needs_reupload' | 'too_large' | 'empty' | 'recalled';

/**
 * What a person reads for each status, wherever one is shown (the item page, the unit page's quality
 * problems, the weekly digest, the 四性 report): one word each, named here only.
 */
export const MATERIAL_STATUS_LABEL: Readonly<Record<MaterialStatus, string>> = {
  pending: '待下载',
  stored: '已保存',
  failed: '下载失败',
  needs_reupload: '需重新上传',
  too_large: '文件太大',
  empty: '空文件',
  recalled: '已撤回',
};

/** The word for a status read back from the database as text (an unknown value is shown as it is). */
export function materialStatusLabel(status: string): string {
  return MATERIAL_STATUS_LABEL[status as MaterialStatus] ?? status;
}
