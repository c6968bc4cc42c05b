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

/**
 * What to do about a connection to Lark that failed below HTTP (the doctor's 飞书凭证 line): the common
 * network and TLS error codes found in `message` (a LarkNetworkError's "api: CODE: …"), in plain Chinese.
 * Undefined for any other error (then its own message is shown).
 */
export function larkNetworkAdvice(message: string, domain: string): string | undefined {
  const host = larkHost(domain);
  const code =
    /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNABORTED|ECONNRESET|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED)\b/.exec(
      message,
    )?.[1];
  // NODE_EXTRA_CA_CERTS is read when Node starts: from the real environment (systemd's EnvironmentFile),
  // not from .env or `node --env-file` (checked on Node 20).
  const gateway =
    '单位网络里的上网行为管理或安全网关在检查 HTTPS 时换了证书。请网络管理员给出网关的根证书（PEM 格式），' +
    '在 /etc/archive-bot/archive-bot.env 里加一行 NODE_EXTRA_CA_CERTS=根证书文件的完整路径，再重启机器人（systemctl restart archive-bot）；' +
    '运行命令行工具（如本次体检）时在命令前加 env NODE_EXTRA_CA_CERTS=同一路径（写在 .env 里不起作用）。' +
    `或者请网络管理员对 ${host} 不做 HTTPS 检查`;
  switch (code) {
    case 'ECONNREFUSED':
      return `本机到 ${host} 的连接被拒绝（${code}）：请检查防火墙是否放行本机访问 ${host} 的 443 端口（出站 HTTPS）。本机只能通过代理上网的，请网络管理员直接放行这个地址（机器人的长连接和网页登录还不能通过 HTTP 代理）`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `本机查不到 ${host} 的地址（${code}，域名解析失败）：请检查本机的 DNS 设置（/etc/resolv.conf），以及 LARK_DOMAIN 有没有写错`;
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
    case 'ECONNRESET':
      return `连接 ${host} 超时或被中断（${code}）：网络不通或被防火墙拦截。请在本机运行 curl -I https://${host} 试试，并请网络管理员放行本机访问 ${host} 的 443 端口`;
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `${host} 的证书不被信任（${code}）：${gateway}`;
    case 'CERT_HAS_EXPIRED':
      return `证书已过期（${code}）：先检查本机的时间是否正确（运行 date 查看，不对的话用 timedatectl 校准）；时间正确的话，多半是单位网关的证书过期了，请网络管理员处理`;
    default:
      return undefined;
  }
}
