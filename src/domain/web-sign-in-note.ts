/** What `doctor` says about web sign-in, and the start-up log line when PUBLIC_URL is not set. */
export function webSignInNote(publicUrl: string | undefined): string {
  return publicUrl
    ? `网页地址 ${publicUrl}；飞书开发者后台的重定向 URL 要有 ${publicUrl}/auth/callback`
    : '未设置 PUBLIC_URL：网页只能在浏览器里直接用本机的 IP 地址和端口打开登录（例如 http://192.168.1.10:3000），' +
        '经域名或反向代理打开会拒绝登录，卡片里也没有网页链接；要用网页请在 .env 里设置 PUBLIC_URL';
}
