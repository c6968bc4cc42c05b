/**
 * The start-up warning when Lark does not answer (network, DNS, Lark busy): what doctor and /readyz
 * advise, in Chinese, naming the host of LARK_DOMAIN. The bot keeps trying.
 */
export function larkUnreachableText(domain: string): string {
  return `启动时连不上飞书，机器人会继续重试：检查应用凭证和本机到 ${larkHost(domain)} 的网络`;
}

/** The host of the Open Platform base URL (config.lark.domain: open.feishu.cn, open.larksuite.com or the county's own). */
export function larkHost(domain: string): string {
  try {
    return new URL(domain).host;
  } catch {
    // LARK_DOMAIN is checked at start; a value URL cannot parse is named as it is.
    return domain;
  }
}
