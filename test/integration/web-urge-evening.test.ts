import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDay, zonedInstant } from '../../src/domain/working-days.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';

/**
 * A leader presses 督办 in the evening, inside quiet hours (20:00–08:00): the page says when the
 * reminder will go out, it goes out once when quiet hours end, and that morning counts as its day.
 */
describe('督办 pressed during quiet hours', () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('WQ', {}, { quietHours: { start: '20:00', end: '08:00' } });
  });
  afterAll(() => w?.close());

  const inVillageChat = () => w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
  const press = (cookie: string, csrf: string) =>
    w.postUrge(cookie, { unit: w.units.village2.id, _csrf: csrf, back: `/units/${w.units.village2.id}` });

  it('tells the leader it goes out at 08:00, sends it then (not dropped), and once that day', async () => {
    // The next 21:00 in Shanghai after the bot's now.
    const today = localDay(w.clock.now(), TZ);
    let evening = zonedInstant(today, '21:00', TZ);
    if (evening <= w.clock.now()) evening = zonedInstant(addDays(today, 1), '21:00', TZ);
    await w.clock.set(evening);
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const before = inVillageChat().length;

    const page = await (await w.get(`/units/${w.units.village2.id}`, leader)).text();
    // Its confirm says what the press does, and when: a 督办, at the end of quiet hours.
    // The time stands apart from the words, as in the bot's other texts (it read 「明天 8:00发到」).
    expect(page).toContain('data-confirm="确定督办？督办消息将在明天 8:00 发到群里。"');
    const res = await press(leader, csrfOf(page)!);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('免打扰');
    expect(text).toContain('督办将在明天 8:00 发到河口村的群里');
    expect(text).not.toContain('督办已安排发送到河口村的群里');
    // Nothing goes into the chat at night.
    await w.h.settle();
    expect(inVillageChat()).toHaveLength(before);
    // The page shows it is arranged (no second button that would seem to do nothing).
    const after = await (await w.get(`/units/${w.units.village2.id}`, leader)).text();
    expect(after).toContain('已督办（明天 8:00 发出）');
    expect(after).not.toContain('action="/urge"');
    // Pressed again that evening (a stale form): it says when the one arranged goes out.
    expect(await (await press(leader, csrfOf(page)!)).text()).toContain(
      '已经安排了督办，明天 8:00 发出，不用再按',
    );

    // The next morning at 08:00 quiet hours end: the reminder goes out, once.
    await w.clock.set(zonedInstant(addDays(localDay(evening, TZ), 1), '08:00', TZ));
    w.h.bot.jobWorker.wake();
    const sent = await waitFor('the 督办 in 河口村工作群 at 08:00', () => {
      const list = inVillageChat().slice(before);
      return list.length > 0 && list;
    });
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('C01');

    // Pressing again that morning is the same day's 督办: nothing new.
    const morning = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const again = await press(
      morning,
      csrfOf(await (await w.get(`/units/${w.units.village2.id}`, morning)).text())!,
    );
    expect(await again.text()).toContain('今天已经督办过');
    await w.h.settle();
    expect(inVillageChat().slice(before)).toHaveLength(1);
  });
});
