import type { Db } from '../../src/db/client.js';
import { systemClock, type Clock } from '../../src/ports/clock.js';
import { campaignDeps } from './campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importPeople } from '../../src/usecases/import-people.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { loadChecklists } from '../../src/usecases/load-checklists.js';
import { openIdOf } from './open-ids.js';

export interface SeededOrg {
  county: string;
  township: string;
  village: string;
  officer: string;
  archivist: string;
  leader: string;
  campaignCode: string;
}

/**
 * A county → township → two villages, an officer and an archivist of the first village, a county
 * leader, the shipped checklists and a village campaign. Codes are prefixed so files never clash.
 */
export async function seedOrg(
  db: Db,
  opts: { prefix: string; deadline?: Date; year?: number; clock?: Clock },
): Promise<SeededOrg> {
  const p = opts.prefix;
  const clock = opts.clock ?? systemClock;
  const csv = [
    'code,name,kind,parent_code',
    `${p}00,${p}县,county,`,
    `${p}10,城关镇,township,${p}00`,
    `${p}11,城关村,village,${p}10`,
    `${p}12,河口村,village,${p}10`,
  ].join('\n');
  await importUnits({ db, clock }, { text: csv, fileName: 'units.csv' });
  // Lark-shaped (the people import refuses any other), one set per prefix.
  const people = {
    officer: openIdOf(`${p}_officer`),
    archivist: openIdOf(`${p}_archivist`),
    leader: openIdOf(`${p}_leader`),
  };
  await importPeople(
    { db, clock },
    {
      fileName: 'people.csv',
      text: [
        'open_id,name,unit_code,role',
        `${people.officer},王村官,${p}11,officer`,
        `${people.archivist},李档案,${p}11,archivist`,
        `${people.leader},赵书记,${p}00,leader`,
      ].join('\n'),
    },
  );
  await loadChecklists({ db, clock });
  const year = opts.year ?? 2026;
  const { campaign } = await createCampaign(campaignDeps({ db, clock }), {
    checklistCode: 'village-jzfp',
    year,
    deadline: opts.deadline ?? new Date(`${year}-12-31T00:00:00+08:00`),
    unitCodes: [`${p}11`, `${p}12`],
    createdBy: 'cli',
    code: `${p}-village-${year}`,
  });
  return {
    county: `${p}00`,
    township: `${p}10`,
    village: `${p}11`,
    ...people,
    campaignCode: campaign.code,
  };
}
