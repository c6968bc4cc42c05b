/** Where web sign-in works, given what the bot listens on and where its settings are. */
export interface WebSignInSettings {
  publicUrl: string | undefined;
  host: string;
  port: number;
  /** The settings file to set PUBLIC_URL in (the service's, or .env); undefined: none was read. */
  settingsFile: string | undefined;
}

/** 127.0.0.1, ::1, localhost: only a browser on this machine reaches the bot. */
export const isLoopbackHost = (host: string): boolean =>
  /^127\./.test(host) || host === '::1' || host.toLowerCase() === 'localhost';

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** What `doctor` says about web sign-in, and the start-up log line when PUBLIC_URL is not set. */
export function webSignInNote(s: WebSignInSettings): string {
  if (s.publicUrl)
    return `网页地址 ${s.publicUrl}；飞书开发者后台的重定向 URL 要有 ${s.publicUrl}/auth/callback`;
  const file = s.settingsFile
    ? ` ${s.settingsFile} `
    : '设置文件（服务器上是 /etc/archive-bot/archive-bot.env）';
  const setIt = `要用网页请在${file}里设置 PUBLIC_URL`;
  if (isLoopbackHost(s.host))
    return (
      `未设置 PUBLIC_URL，且 HOST=${s.host} 只在本机监听：别的电脑的浏览器打不开网页。` +
      `经反向代理打开时${setIt}；直接在局域网里打开则把 HOST 改成 0.0.0.0（或本机的局域网 IP）并重启`
    );
  const example = ANY_ADDRESS.has(s.host)
    ? `例如 http://192.168.1.10:${s.port}`
    : `http://${s.host}:${s.port}`;
  return (
    `未设置 PUBLIC_URL：网页只能在浏览器里直接用本机的 IP 地址和端口打开登录（${example}），` +
    `经域名或反向代理打开会拒绝登录，卡片里也没有网页链接；${setIt}`
  );
}
