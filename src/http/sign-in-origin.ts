import type { IncomingMessage } from 'node:http';

/**
 * Why sign-in is refused without PUBLIC_URL: a browser that did not reach the bot directly by this
 * machine's own address (a domain name, a reverse proxy, or a forged Host / X-Forwarded-Host).
 */
export const SIGN_IN_NEEDS_PUBLIC_URL =
  '网页登录需要先设置 PUBLIC_URL：请管理员在 .env 里填写大家打开网页的地址（例如 https://archive.example.gov.cn），' +
  '把「PUBLIC_URL/auth/callback」加进飞书开发者后台的重定向 URL，然后重启机器人。' +
  '不设置时，只能在浏览器里直接用本机的 IP 地址和端口打开网页登录（例如 http://192.168.1.10:3000）。';

/** Headers a reverse proxy adds: a proxied request names an address this process cannot check. */
const PROXY_HEADERS = ['x-forwarded-host', 'x-forwarded-for', 'x-forwarded-proto', 'forwarded'];

/**
 * The origin Lark sends the browser back to after sign-in (the OAuth redirect_uri's), which also
 * decides whether the sign-in cookies are Secure. PUBLIC_URL when set. Without it, only a browser that
 * reached this process directly: the Host header must name the very address and port the connection
 * arrived on (the socket's, which no header can change), and no proxy header may be present. Anything
 * else (a domain name, a proxy, a forged Host or X-Forwarded-Host that would send Lark's code to
 * another site) gives undefined: sign-in is refused with SIGN_IN_NEEDS_PUBLIC_URL.
 */
export function signInOrigin(publicUrl: string | undefined, req: IncomingMessage): string | undefined {
  if (publicUrl) return publicUrl;
  if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) return undefined;
  const { localAddress, localPort } = req.socket;
  if (!localAddress || !localPort) return undefined;
  const address = localAddress.startsWith('::ffff:') ? localAddress.slice('::ffff:'.length) : localAddress;
  const host = address.includes(':') ? `[${address}]` : address;
  const own = `${host}:${localPort}`;
  const asked = (req.headers.host ?? '').toLowerCase();
  if (asked !== own.toLowerCase() && !(localPort === 80 && asked === host.toLowerCase())) return undefined;
  return `http://${own}`;
}
