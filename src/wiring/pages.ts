import type Koa from 'koa';
import type { Config } from '../config.js';
import { sessionSecret } from '../http/session-secret.js';
import { BROWSING_ROUTES, SIGN_IN_ROUTES, type PageRoute } from '../http/page-routes.js';
import { pagesMiddleware } from '../http/web-app.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { BotDeps } from '../usecases/deps.js';
import type { Feature } from '../usecases/feature.js';
import { chatMemberNames } from '../usecases/chat-member-names.js';
import { fourPropertiesReportsDir } from '../usecases/four-properties-run-folder.js';
import {
  READERS_CACHE_MS,
  readerSlots,
  urgeReaders,
  urgeReadersOfRows,
  type UrgeReaders,
} from '../usecases/urge-readers.js';
import { TtlCache } from '../lark/ttl-cache.js';
import type { CountyHolidays } from '../domain/holiday-file.js';
import type { ScheduleSettings } from '../scheduler/schedule-settings.js';
import { urgeWith, workingCalendar } from './schedules.js';

/** The web pages' own routes (查阅利用): sign-in with Lark, progress drill-down, items and files, search. */
export function pagesFeature(): Feature<PageRoute> {
  return { name: 'pages', routes: [...SIGN_IN_ROUTES, ...BROWSING_ROUTES] };
}

/**
 * Serves the page routes the features declared (the pages feature's, the archive's 编研 pages, the
 * schedules' 督办). The session secret comes from SESSION_SECRET or is generated once in the data folder.
 */
export function installPages(ctx: {
  routes: readonly PageRoute[];
  config: Config;
  deps: BotDeps;
  blobs: BlobStore;
  schedules: ScheduleSettings;
  /** The county's holidays.yaml (the 督办's escalation counts working days). */
  holidays?: CountyHolidays;
  wakeJobs: () => void;
}): Koa.Middleware {
  const { config, deps } = ctx;
  const settings = ctx.schedules;
  const calendar = workingCalendar(deps.logger, ctx.holidays);
  // Read receipts of 督办 messages, a minute each (500 at most): a refresh does not ask Lark again.
  const readers = new TtlCache<UrgeReaders>(READERS_CACHE_MS, () => deps.clock.now().getTime(), 500);
  // …asked a few at a time by all pages together (a township page of many villages is not a burst).
  const readersDeps = {
    gateway: deps.gateway,
    clock: deps.clock,
    logger: deps.logger,
    cache: readers,
    slots: readerSlots(),
  };
  return pagesMiddleware(
    {
      db: deps.db,
      clock: deps.clock,
      logger: deps.logger,
      blobs: ctx.blobs,
      timeZone: settings.timeZone,
      quietHours: settings.quietHours,
      oauth: {
        appId: config.lark.appId,
        appSecret: config.lark.appSecret,
        domain: config.lark.domain,
        httpTimeoutMs: config.lark.httpTimeoutMs,
      },
      publicUrl: config.web.publicUrl,
      secret: sessionSecret(config.web.sessionSecret, config.dataDir),
      sessionHours: config.web.sessionHours,
      reportsDir: fourPropertiesReportsDir(config.dataDir),
      urge: urgeWith(deps, settings, { calendar, publicUrl: config.web.publicUrl, wakeJobs: ctx.wakeJobs }),
      urgeReaders: (urge) => urgeReaders(readersDeps, urge),
      urgeReadersOfRows: (urges) => urgeReadersOfRows(readersDeps, urges),
      chatMemberNames: (people) => chatMemberNames(deps, people),
    },
    ctx.routes,
  );
}
