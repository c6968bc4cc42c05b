import type { Db } from '../db/client.js';
import { ensureCampaign, getCampaignByCode } from '../db/repos/campaigns.js';
import { roleHolders } from '../db/repos/people.js';
import { checklistCodes, getChecklist } from '../db/repos/tasks-checklists.js';
import { insertTasks, type NewTask } from '../db/repos/tasks.js';
import { listHouseholds } from '../db/repos/units-households.js';
import { getUnitByCode, listSubtreeUnits, type UnitRow } from '../db/repos/units.js';
import { resolveDueAt } from '../domain/checklist-due.js';
import { archiveAsOf } from '../domain/checklist-filing.js';
import type { WorkingCalendar } from '../domain/working-days.js';
import { taskCode } from '../domain/task-code.js';
import { pastDueByItem, pastDueRefusal } from '../domain/campaign-past-due.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface CreateCampaignInput {
  checklistCode: string;
  year: number;
  deadline: Date;
  /** Units to cover; townships/counties expand to their villages. */
  unitCodes?: string[];
  /** Or: every village under this unit. */
  parentUnitCode?: string;
  createdBy: string;
  /** Defaults to `<checklist>-<year>`. */
  code?: string;
  title?: string;
  /**
   * Refuse (and make nothing) when a new task would be past due already (the command line, unless
   * --allow-past-due): it would be 逾期 at once and escalated to the leaders from the next working day.
   */
  refusePastDue?: boolean;
}

export interface CreateCampaignOutcome {
  campaign: { id: number; code: string; title: string; checklistVersion: number };
  /** False when the campaign existed: only missing tasks were added. */
  created: boolean;
  tasksCreated: number;
  tasksExisting: number;
  villages: number;
  households: number;
}

/**
 * Instantiates a checklist for a year: one task per (village, item) for village items and per
 * (household, item) for household items, owned by the village's officers. Idempotent: running it
 * again (e.g. after importing more households) adds only the missing tasks.
 */
export async function createCampaign(
  deps: { db: Db; clock: Clock; timeZone: string; calendar: WorkingCalendar },
  input: CreateCampaignInput,
): Promise<CreateCampaignOutcome> {
  const due = { timeZone: deps.timeZone, calendar: deps.calendar };
  const { db } = deps;
  const code = input.code ?? `${input.checklistCode}-${input.year}`;
  const existing = await getCampaignByCode(db, code);
  if (existing && existing.checklistCode !== input.checklistCode)
    throw new DomainError(
      'campaign_conflict',
      `任务批次 ${code} 已存在，用的是清单 ${existing.checklistCode}`,
    );
  const checklist = await getChecklist(db, input.checklistCode, existing?.checklistVersion);
  if (!checklist) {
    // A typo and a checklist never loaded look alike: name the codes there are, and the command that loads.
    const loaded = await checklistCodes(db);
    throw new DomainError(
      'checklist_not_found',
      `清单 ${input.checklistCode} 还没有加载（${loaded.length > 0 ? `已加载的清单：${loaded.join('、')}` : '还没有加载任何清单'}）：` +
        '清单文件放在 config/checklists 里，先运行 npm run cli -- campaigns load-checklists',
    );
  }
  const villages = await targetVillages(db, input);
  const villageIds = villages.map((v) => v.id);
  const template = checklist.content;
  const items = template.items.map((item, position) => ({
    item,
    position,
    level: item.level ?? template.level,
  }));
  const needHouseholds = items.some((i) => i.level === 'household');
  const households = needHouseholds ? await listHouseholds(db, villageIds) : [];
  const officers = await roleHolders(db, villageIds, 'officer');
  const now = deps.clock.now();
  const title = input.title ?? `${input.year}年 ${template.title}`;

  return db.transaction(async (tx) => {
    const { campaign, created } = await ensureCampaign(tx, {
      code,
      title,
      checklistCode: checklist.code,
      checklistVersion: checklist.version,
      year: input.year,
      deadline: input.deadline,
      createdAt: now,
      createdBy: input.createdBy,
    });
    // Unit-major order keeps each village's tasks on neighbouring pages.
    const rows: NewTask[] = [];
    const row = ({ item, position }: (typeof items)[number]) => ({
      campaignId: campaign.id,
      itemCode: item.code,
      position,
      title: item.title,
      class: item.class,
      retention: item.retention,
      kinds: item.kinds,
      archiveAs: item.archive_as ?? archiveAsOf(item.kinds),
      minCount: item.min_count,
      keywords: item.keywords,
      guidance: item.guidance || null,
      dueAt: resolveDueAt(item.due, campaign, due),
      createdAt: now,
    });
    const villageItems = items.filter((i) => i.level === 'village');
    const householdItems = items.filter((i) => i.level === 'household');
    const householdsOf = new Map<number, typeof households>();
    for (const h of households) {
      const list = householdsOf.get(h.unitId);
      if (list) list.push(h);
      else householdsOf.set(h.unitId, [h]);
    }
    for (const v of villages) {
      const responsible = officers.get(v.id) ?? [];
      for (const i of villageItems) rows.push({ ...row(i), unitId: v.id, code: i.item.code, responsible });
      for (const h of householdsOf.get(v.id) ?? [])
        for (const i of householdItems)
          rows.push({
            ...row(i),
            unitId: v.id,
            householdId: h.id,
            code: taskCode(i.item.code, h.code),
            responsible,
          });
    }
    const inserted = await insertTasks(tx, rows);
    const pastDue = input.refusePastDue ? pastDueByItem(inserted, now) : [];
    // Thrown inside the transaction: the campaign made above is not kept either.
    if (pastDue.length > 0)
      throw new DomainError('campaign_past_due', pastDueRefusal(pastDue, now, deps.timeZone));
    const tasksCreated = inserted.length;
    return {
      campaign: {
        id: campaign.id,
        code: campaign.code,
        title: campaign.title,
        checklistVersion: checklist.version,
      },
      created,
      tasksCreated,
      tasksExisting: rows.length - tasksCreated,
      villages: villages.length,
      households: households.length,
    };
  });
}

async function targetVillages(db: Db, input: CreateCampaignInput): Promise<UnitRow[]> {
  const codes = input.parentUnitCode ? [input.parentUnitCode] : (input.unitCodes ?? []);
  if (codes.length === 0)
    throw new DomainError('campaign_no_units', '请指定单位（unitCodes 或 parentUnitCode）');
  const roots: UnitRow[] = [];
  const unknown: string[] = [];
  for (const c of codes) {
    const unit = await getUnitByCode(db, c);
    if (unit) roots.push(unit);
    else unknown.push(c);
  }
  if (unknown.length > 0) throw new DomainError('unit_not_found', `单位编码不存在: ${unknown.join(', ')}`);
  const villages = new Map<number, UnitRow>();
  for (const root of roots) {
    const subtree = root.kind === 'village' ? [root] : await listSubtreeUnits(db, root);
    // A retired village (撤并) gets no new tasks; naming one alone is refused below (no villages).
    for (const u of subtree) if (u.kind === 'village' && u.status === 'active') villages.set(u.id, u);
  }
  if (villages.size === 0)
    throw new DomainError(
      'campaign_no_villages',
      roots.some((r) => r.status === 'retired')
        ? `${codes.join(', ')} 已撤并，不再建任务`
        : `${codes.join(', ')} 下没有村`,
    );
  return [...villages.values()].sort((a, b) => a.path.localeCompare(b.path));
}
