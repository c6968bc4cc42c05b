import { authCallback, authLogin, authLogout } from './auth-routes.js';
import { fileOriginal, fileThumbnail } from './file-routes.js';
import { fourPropertiesDownload } from './four-properties-download.js';
import { packageDownload } from './package-download.js';
import { taskRetention } from './pages/task-retention-form.js';
import { unconfirmedPage } from './pages/unconfirmed-page.js';
import { albumPage } from './pages/album-page.js';
import { chroniclePage, chronicleSave } from './pages/chronicle-page.js';
import { homePage } from './pages/home-page.js';
import { itemDescribe, itemMerge, itemPage, itemSplit } from './pages/item-page.js';
import { packagePage } from './pages/package-page.js';
import {
  packageAmendHandover,
  packageHandover,
  packageUnhand,
  packageVoid,
} from './pages/package-handover.js';
import { searchPage } from './pages/search-page.js';
import { taskPage } from './pages/task-page.js';
import { transfersPage, transfersReport, transfersUnmark } from './pages/transfers-page.js';
import { unitPage } from './pages/unit-page.js';
import { urgeAction } from './urge-route.js';
import type { PageHandler } from './web-context.js';

/**
 * Who may call a route: anyone (the sign-in steps), or a signed-in person — and then each handler
 * checks that the unit, task, item or file is inside the person's units (404 otherwise).
 */
export type PageWho = 'public' | 'signed-in';

export interface PageRoute {
  method: 'GET' | 'POST';
  /** '/units/:id' — every `:param` is a positive whole number. */
  path: string;
  who: PageWho;
  /** What the route shows or does, for the feature list. */
  summary: string;
  handler: PageHandler;
}

/** Signing in and out with Lark (the pages feature). */
export const SIGN_IN_ROUTES: readonly PageRoute[] = [
  { method: 'GET', path: '/auth/login', who: 'public', summary: '用飞书登录', handler: authLogin },
  { method: 'GET', path: '/auth/callback', who: 'public', summary: '飞书登录回调', handler: authCallback },
  { method: 'POST', path: '/auth/logout', who: 'signed-in', summary: '退出', handler: authLogout },
];

/** Progress drill-down, items, files and search (the pages feature). */
export const BROWSING_ROUTES: readonly PageRoute[] = [
  { method: 'GET', path: '/', who: 'signed-in', summary: '首页：我的单位', handler: homePage },
  {
    method: 'GET',
    path: '/units/:id',
    who: 'signed-in',
    summary: '单位进度、逾期、质量问题、趋势',
    handler: unitPage,
  },
  { method: 'GET', path: '/tasks/:id', who: 'signed-in', summary: '任务与已提交的件', handler: taskPage },
  {
    method: 'POST',
    path: '/tasks/:id/retention',
    who: 'signed-in',
    summary: '改保管期限：本村或上级单位全部的同一清单项（档案员、管理员）',
    handler: taskRetention,
  },
  {
    method: 'GET',
    path: '/items/:id',
    who: 'signed-in',
    summary: '一件：照片、文件、著录、档号、操作记录',
    handler: itemPage,
  },
  {
    method: 'POST',
    path: '/items/:id/describe',
    who: 'signed-in',
    summary: '更正著录（档号生效后只限档案员）',
    handler: itemDescribe,
  },
  {
    method: 'POST',
    path: '/items/:id/split',
    who: 'signed-in',
    summary: '移出：勾选的文件成为同一任务的新一件（档案员、管理员）',
    handler: itemSplit,
  },
  {
    method: 'POST',
    path: '/items/:id/merge',
    who: 'signed-in',
    summary: '并入：同一任务的另一件并入本件（档案员、管理员）',
    handler: itemMerge,
  },
  { method: 'GET', path: '/files/:id', who: 'signed-in', summary: '原件下载', handler: fileOriginal },
  { method: 'GET', path: '/thumbs/:id', who: 'signed-in', summary: '缩略图', handler: fileThumbnail },
  { method: 'GET', path: '/search', who: 'signed-in', summary: '搜索', handler: searchPage },
];

/** 编研: the chronicle and the album (the archive feature). */
export const COMPILATION_ROUTES: readonly PageRoute[] = [
  {
    method: 'GET',
    path: '/units/:id/chronicle',
    who: 'signed-in',
    summary: '大事记（档案员可编辑，可打印）',
    handler: chroniclePage,
  },
  {
    method: 'POST',
    path: '/units/:id/chronicle',
    who: 'signed-in',
    summary: '保存大事记条目',
    handler: chronicleSave,
  },
  {
    method: 'GET',
    path: '/units/:id/unconfirmed',
    who: 'signed-in',
    summary: '待确认归档的件（确认归档预览的逐项查看）',
    handler: unconfirmedPage,
  },
  {
    method: 'GET',
    path: '/units/:id/album',
    who: 'signed-in',
    summary: '图册（A4 打印）',
    handler: albumPage,
  },
];

/** 移交包 records and 移交后变更 (the archive feature: packages are its exports). */
export const TRANSFER_ROUTES: readonly PageRoute[] = [
  {
    method: 'GET',
    path: '/units/:id/transfers',
    who: 'signed-in',
    summary: '移交包记录和移交后变更（档案员、管理员）',
    handler: transfersPage,
  },
  {
    method: 'POST',
    path: '/units/:id/transfers',
    who: 'signed-in',
    summary: '移交后变更：已报送更正',
    handler: transfersReport,
  },
  {
    method: 'POST',
    path: '/units/:id/transfers/unmark',
    who: 'signed-in',
    summary: '移交后变更：撤销已报送更正的标记',
    handler: transfersUnmark,
  },
  {
    method: 'GET',
    path: '/transfers/:id',
    who: 'signed-in',
    summary: '一个移交包：范围、四性检测、单位和档号范围、移交后变更、发送',
    handler: packagePage,
  },
  {
    method: 'POST',
    path: '/transfers/:id/handover',
    who: 'signed-in',
    summary: '一个移交包：记录已移交（日期、接收单位和接收人）',
    handler: packageHandover,
  },
  {
    method: 'POST',
    path: '/transfers/:id/void',
    who: 'signed-in',
    summary: '一个移交包：作废（生成后没有移交）',
    handler: packageVoid,
  },
  {
    method: 'POST',
    path: '/transfers/:id/unhand',
    who: 'signed-in',
    summary: '一个移交包：撤销移交记录（记错了），回到已生成',
    handler: packageUnhand,
  },
  {
    method: 'POST',
    path: '/transfers/:id/amend-handover',
    who: 'signed-in',
    summary: '一个移交包：改登记（移交日期、接收单位和接收人）',
    handler: packageAmendHandover,
  },
  {
    method: 'GET',
    path: '/transfers/:id/download',
    who: 'signed-in',
    summary: '下载一个移交包（ZIP，不压缩，边打包边发送；只限看得到整个包的档案员、管理员）',
    handler: packageDownload,
  },
];

/** A four-properties run's Excel report, linked from a result too big for the chat (the archive feature). */
export const FOUR_PROPERTIES_ROUTES: readonly PageRoute[] = [
  {
    method: 'GET',
    path: '/four-properties/report',
    who: 'signed-in',
    summary: '下载一次四性检测的 Excel 报告（?run=检测编号；检测单位或上级的档案员、管理员）',
    handler: fourPropertiesDownload,
  },
];

/** 督办 from a unit or task page (the schedules feature: it is a reminder sent now). */
export const URGE_ROUTES: readonly PageRoute[] = [
  {
    method: 'POST',
    path: '/urge',
    who: 'signed-in',
    summary: '督办：立即在单位的群里发督办消息',
    handler: urgeAction,
  },
];

export interface RouteMatch {
  route: PageRoute;
  params: Record<string, number>;
}

/** Matches requests against the routes the features declared (composeFeatures refused duplicates). */
export interface PageRouteTable {
  readonly routes: readonly PageRoute[];
  /** The route for a method and path, with its numeric params; undefined when none matches. */
  match(method: string, path: string): RouteMatch | undefined;
}

export function pageRouteTable(routes: readonly PageRoute[]): PageRouteTable {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const source = route.path.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return '([1-9][0-9]{0,14})';
    });
    return { route, names, re: new RegExp(`^${source}$`) };
  });
  return {
    routes,
    match(method, path) {
      for (const c of compiled) {
        if (c.route.method !== method && !(method === 'HEAD' && c.route.method === 'GET')) continue;
        const m = c.re.exec(path);
        if (!m) continue;
        return {
          route: c.route,
          params: Object.fromEntries(c.names.map((n, i) => [n, Number(m[i + 1])])),
        };
      }
      return undefined;
    },
  };
}
