import type { ResourceReason } from '../errors.js';
import { larkHost } from './lark-unreachable-text.js';

/** What a reason means where the files are kept: the IT person looks at the folder, or at the object store. */
export const waitText = (reason: ResourceReason, storeKind: 'local' | 's3'): string =>
  ({
    disk_low: '磁盘剩余空间低于下限',
    store_unwritable:
      storeKind === 's3'
        ? '对象存储连不上或拒绝写入（检查存储服务、S3_ENDPOINT、S3_BUCKET 和密钥）'
        : '文件目录 DATA_DIR/files 不能写入（只读、没有权限或磁盘出错）',
    database_unreachable: '数据库连不上',
    database_busy: '数据库连接数已满（max_connections）',
  })[reason];

/**
 * What `/readyz` and the doctor say in Chinese when the bot is not ready: each failed check of its
 * reason codes (`checks`, kept for machines), joined with 「；」. `larkDomain`: config.lark.domain, whose host
 * the long connection's line names (LARK_DOMAIN=lark is open.larksuite.com, not open.feishu.cn).
 */
export function readinessDetail(
  checks: Record<string, boolean | string>,
  storeKind: 'local' | 's3',
  larkDomain: string,
): string {
  const parts: string[] = [];
  const known = (r: string): r is ResourceReason =>
    ['disk_low', 'store_unwritable', 'database_unreachable', 'database_busy'].includes(r);
  for (const [name, value] of Object.entries(checks)) {
    if (value === true) continue;
    if (name === 'larkConnection')
      parts.push(`与飞书的长连接没有连上（检查应用凭证和本机到 ${larkHost(larkDomain)} 的网络）`);
    else if (typeof value === 'string')
      for (const r of value.split(','))
        parts.push(
          known(r)
            ? waitText(r, storeKind)
            : r === 'check_failed'
              ? READINESS_CHECK_FAILED
              : r === 'lark_refused'
                ? LARK_REFUSED_TEXT
                : r,
        );
  }
  return [...new Set(parts)].join('；');
}

/** /readyz's lark_refused: Lark refuses the app's credentials, so nothing can be sent or downloaded. */
const LARK_REFUSED_TEXT =
  '飞书拒绝了应用凭证，机器人现在不能回复和下载文件（App Secret 可能被重置，或应用被停用）。请到飞书开发者后台核对 App ID 和 App Secret，改好配置文件（/etc/archive-bot/archive-bot.env 或 .env）里的 LARK_APP_SECRET 后重启机器人';

/** The readiness check itself failed (the log has why: readiness check failed). */
export const READINESS_CHECK_FAILED = '就绪检查本身出错（日志里搜 readiness check failed）';
