import { isDatabaseReason, type ResourceReason } from '../../errors.js';
import type { Html } from './html.js';
import { messagePage, type LayoutViewer } from './layout.js';

/** Seconds a page asks the browser to wait before trying again while the database is away. */
export const PAGE_RETRY_AFTER_SECONDS = 30;

/**
 * What a person reads when a page could not be made because the database (or the file store) is
 * away for now: nothing is wrong with what they asked for, a refresh later works. `again`: the page
 * to open again (a GET's own address); a form sent goes back to the home page instead.
 */
export const busyPage = (reason: ResourceReason, again?: string): Html =>
  messagePage(
    '系统正忙',
    isDatabaseReason(reason)
      ? '系统正忙（数据库暂时连不上），请稍后刷新。'
      : '系统正忙（存放文件的地方暂时不能用），请稍后刷新。',
    undefined,
    again ?? '/',
    again ? '刷新' : '返回首页',
  );

/** A page that failed for another reason (a bug): said plainly, the details are in the log. */
export const failedPage = (): Html =>
  messagePage('出错了', '页面出错了，没有打开。请稍后刷新；一直这样的话，请联系管理员（日志里有原因）。');

/**
 * No such page (a mistyped address, an old link), or one outside the viewer's units: the same page
 * either way, so it does not tell which units exist.
 */
export const notFoundPage = (viewer?: LayoutViewer): Html =>
  messagePage('找不到', '没有这个页面，或者您无权查看。', viewer);
