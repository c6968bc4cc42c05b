import { parseArgs } from 'node:util';
import type { Env } from '../config.js';
import { missingForUnit } from '../db/repos/completeness-missing.js';
import { unitProgress, type ProgressCounts } from '../db/repos/completeness-progress.js';
import { getCampaignByCode } from '../db/repos/campaigns.js';
import { getUnitByCode } from '../db/repos/units.js';
import { endOfDay } from '../domain/checklist-due.js';
import { retiredChildrenLine, retirementWords } from '../domain/retired-units.js';
import { localDay } from '../domain/working-days.js';
import { AppError, DomainError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { loadCliSettings } from '../settings.js';
import { createCampaign } from '../usecases/create-campaign.js';
import { loadChecklists } from '../usecases/load-checklists.js';
import { cliWorkingCalendar } from './cli-calendar.js';
import { optionProblem, requireOptions } from './cli-options.js';
import type { CliCommand } from './commands.js';
import type { OrgCliDeps } from './units.js';

export const CAMPAIGNS_USAGE = `用法:
  campaigns load-checklists [DIR]   加载清单模板（默认 config/checklists）
  campaigns create --checklist CODE --year 2025 --deadline 2025-12-31 (--units A,B | --parent CODE)
                   [--code CODE] [--title 标题] [--allow-past-due]
                   （有任务一建好就已过截止日期时不创建，说明哪些；确实要补建加 --allow-past-due）
  campaigns progress UNIT_CODE [--campaign CODE]
  campaigns missing UNIT_CODE [--campaign CODE] [--limit 50]`;

/**
 * A `campaigns …` line checked without the database (run-cli.ts calls it first, through wellFormed): its
 * options, and for `create` every required one, a four-digit year and a deadline that is a day; for
 * `missing` a whole --limit. It opened and migrated the database first, so a typo upgraded it.
 */
function campaignsLine(args: readonly string[], env: Env) {
  const [sub, ...rest] = args;
  const { values, positionals } = parseFlags(rest);
  const cli = loadCliSettings(env);
  let create: { checklist: string; year: number; deadline: Date } | undefined;
  if (sub === 'create') {
    requireOptions(
      values,
      ['checklist', 'year', 'deadline'],
      CAMPAIGNS_USAGE,
      values.units || values.parent ? [] : ['--units 或 --parent'],
    );
    if (!/^\d{4}$/.test(values.year))
      throw new AppError(
        'usage',
        `--year 要写四位年份，例如 --year 2025（写的是 ${values.year}）\n${CAMPAIGNS_USAGE}`,
      );
    create = {
      checklist: values.checklist,
      year: Number(values.year),
      deadline: parseDeadline(values.deadline, cli.timeZone),
    };
  }
  if (values.limit !== undefined && !/^[1-9]\d{0,5}$/.test(values.limit))
    throw new AppError(
      'usage',
      `--limit 要写正整数，例如 --limit 50（写的是 ${values.limit}）\n${CAMPAIGNS_USAGE}`,
    );
  return { sub, values, positionals, cli, create };
}

/** `npm run cli -- campaigns …` (DomainError for bad input, AppError('usage') for a wrong command line). */
export async function runCampaignsCommand(args: string[], deps: OrgCliDeps): Promise<void> {
  const { sub, values, positionals, cli, create } = campaignsLine(args, deps.env ?? {});
  const clock = deps.clock ?? systemClock;
  const timeZone = cli.timeZone;
  const ctx = { db: deps.db, clock, timeZone };
  const now = clock.now();
  if (sub === 'load-checklists') {
    for (const c of await loadChecklists(ctx, { dir: positionals[0] }))
      deps.out(`${c.code} v${c.version}（${c.items} 项，${c.result}）← ${c.sourceFile}`);
    return;
  }
  if (create) {
    // Working days before the deadline count the county's holidays.yaml too, as the reminders do (next
    // year's campaign is made in December, often for a year only that file knows).
    const calendar = cliWorkingCalendar(cli, deps.out);
    const r = await createCampaign(
      { ...ctx, calendar },
      {
        checklistCode: create.checklist,
        year: create.year,
        deadline: create.deadline,
        unitCodes: values.units?.split(',').map((s) => s.trim()),
        parentUnitCode: values.parent,
        createdBy: 'cli',
        code: values.code,
        title: values.title,
        refusePastDue: !values['allow-past-due'],
      },
    );
    deps.out(
      `${r.created ? '已创建' : '已存在'} ${r.campaign.code}「${r.campaign.title}」：${r.villages} 个村、${r.households} 户，` +
        `新增任务 ${r.tasksCreated}，已有 ${r.tasksExisting}`,
    );
    return;
  }
  if ((sub === 'progress' || sub === 'missing') && positionals[0]) {
    const unit = await getUnitByCode(deps.db, positionals[0]);
    if (!unit) throw new DomainError('unit_not_found', `单位编码不存在: ${positionals[0]}`);
    const campaign = values.campaign ? await getCampaignByCode(deps.db, values.campaign) : undefined;
    if (values.campaign && !campaign)
      throw new DomainError('campaign_not_found', `任务批次不存在: ${values.campaign}`);
    if (sub === 'progress') {
      const p = (await unitProgress(deps.db, unit.id, now, { campaignId: campaign?.id }))!;
      // A retired unit (撤并), as its page and 进度 show it: the day and what it merged into, no figures.
      deps.out(
        p.retirement
          ? `${p.unit.fullName}  已于${retirementWords(p.retirement, now, timeZone)}，不再统计进度和提醒；已交的材料和档号都保留`
          : `${p.unit.fullName}  ${line(p.counts)}`,
      );
      for (const c of p.children) deps.out(`  ${c.unit.name}  ${line(c.counts)}`);
      // Retired children are named apart, not counted (they used to vanish from the list without a word).
      if (p.retired.length > 0) deps.out(`  ${retiredChildrenLine(p.retired, now, timeZone)}`);
    } else {
      if (unit.status === 'retired') {
        const p = (await unitProgress(deps.db, unit.id, now))!;
        deps.out(
          `${unit.fullName}  已于${retirementWords(p.retirement!, now, timeZone)}，不再催交（已交的材料和档号都保留）`,
        );
        return;
      }
      const m = await missingForUnit(deps.db, unit.id, now, {
        campaignId: campaign?.id,
        limit: Number(values.limit ?? 50),
        timeZone: ctx.timeZone,
      });
      deps.out(`${unit.fullName} 还缺 ${m.total} 项`);
      for (const t of m.items)
        deps.out(
          `  ${t.overdue ? `逾期${t.daysOverdue}天` : `截止${localDay(t.dueAt, timeZone)}`}  ` +
            `${t.unitName} #${t.code} ${t.householdName ? `${t.householdName}户 ` : ''}${t.title}：${t.missingText}`,
        );
    }
    return;
  }
  throw new AppError('usage', CAMPAIGNS_USAGE);
}

/** For the dispatcher's COMMANDS table: `campaigns`. */
export const campaignsCommand: CliCommand = {
  usage: CAMPAIGNS_USAGE,
  subcommands: ['load-checklists', 'create', 'progress', 'missing'],
  // Options left out or mistyped are said before the database is opened (and migrated).
  wellFormed: (args, env) => campaignsLine(args, env) !== undefined,
  summary: '材料清单和归档任务：load-checklists、create、progress、missing',
  run: (args, ctx) => runCampaignsCommand(args, ctx),
};

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        checklist: { type: 'string' },
        year: { type: 'string' },
        deadline: { type: 'string' },
        units: { type: 'string' },
        parent: { type: 'string' },
        code: { type: 'string' },
        title: { type: 'string' },
        campaign: { type: 'string' },
        limit: { type: 'string' },
        'allow-past-due': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new AppError('usage', `${optionProblem(err)}\n${CAMPAIGNS_USAGE}`);
  }
}

/** `2025-12-31` → the end of that day in the deployment's zone (TZ); a full ISO time as given. */
function parseDeadline(s: string, timeZone: string): Date {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const d = dayOnly ? endOfDay(s, timeZone) : new Date(s);
  // A day-only value must name a real day (2027-02-30 is not 2 March).
  if (Number.isNaN(d.getTime()) || (dayOnly && localDay(d, timeZone) !== s))
    throw new DomainError('bad_date', `日期格式不对: ${s}（应为 2025-12-31）`);
  return d;
}

function line(c: ProgressCounts): string {
  const pct = c.percent === null ? '—' : `${c.percent}%`;
  return `${pct}  共 ${c.total}：齐全 ${c.complete}，部分 ${c.partly}，一件没交 ${c.open}，免交 ${c.waived}，逾期 ${c.overdue}`;
}
