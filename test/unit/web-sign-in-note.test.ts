import { describe, expect, it } from 'vitest';
import { webSignInNote } from '../../src/domain/web-sign-in-note.js';

/**
 * The note said 「例如 http://192.168.1.10:3000」 whatever PORT was, told the IT person to edit `.env` on a
 * server whose settings are /etc/archive-bot/archive-bot.env, and said nothing of HOST=127.0.0.1 (the
 * shipped service file's), where no other computer's browser reaches the bot at all.
 */
describe('webSignInNote', () => {
  const service = '/etc/archive-bot/archive-bot.env';

  it('with HOST=127.0.0.1 says only this machine reaches the bot, and which file gets PUBLIC_URL', () => {
    expect(
      webSignInNote({ publicUrl: undefined, host: '127.0.0.1', port: 3000, settingsFile: service }),
    ).toBe(
      '未设置 PUBLIC_URL，且 HOST=127.0.0.1 只在本机监听：别的电脑的浏览器打不开网页。' +
        `经反向代理打开时要用网页请在 ${service} 里设置 PUBLIC_URL；` +
        '直接在局域网里打开则把 HOST 改成 0.0.0.0（或本机的局域网 IP）并重启',
    );
  });

  it('on all addresses names the real port; on one address, that address', () => {
    const all = webSignInNote({
      publicUrl: undefined,
      host: '0.0.0.0',
      port: 8080,
      settingsFile: '/opt/x/.env',
    });
    expect(all).toContain('（例如 http://192.168.1.10:8080）');
    expect(all).toContain('要用网页请在 /opt/x/.env 里设置 PUBLIC_URL');
    const one = webSignInNote({
      publicUrl: undefined,
      host: '10.0.0.5',
      port: 3001,
      settingsFile: undefined,
    });
    expect(one).toContain('（http://10.0.0.5:3001）');
    expect(one).toContain(
      '要用网页请在设置文件（服务器上是 /etc/archive-bot/archive-bot.env）里设置 PUBLIC_URL',
    );
  });

  it('with PUBLIC_URL names it and its callback', () => {
    expect(
      webSignInNote({ publicUrl: 'https://a.example', host: '127.0.0.1', port: 3000, settingsFile: service }),
    ).toBe('网页地址 https://a.example；飞书开发者后台的重定向 URL 要有 https://a.example/auth/callback');
  });
});
