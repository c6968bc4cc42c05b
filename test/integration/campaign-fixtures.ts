import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/db/client.js';
import { insertChecklistVersion } from '../../src/db/repos/tasks-checklists.js';
import { parseChecklist } from '../../src/domain/checklist-parse.js';
import type { Clock } from '../../src/ports/clock.js';
import { importPeople } from '../../src/usecases/import-people.js';
import { importHouseholds, importUnits } from '../../src/usecases/import-units.js';

/** 县 → 2 乡镇 → 3 村 (+ a department), 2 households in V1, officers and an archivist. */
export const ORG_CSV = `code,name,kind,parent_code
X,测试县,county,
T1,甲镇,township,X
T2,乙乡,township,X
V1,东村,village,T1
V2,西村,village,T1
V3,南村,village,T2
D1,县档案局,department,X
`;

/**
 * Their open_ids, shaped as Lark's (the people import refuses any other) and sorting as their roles'
 * names do: archivist, leader, officer1–3.
 */
export const PEOPLE = {
  archivist: 'ou_0a000000000000000000000000000001',
  leader: 'ou_0b000000000000000000000000000001',
  officer1: 'ou_0c000000000000000000000000000001',
  officer2: 'ou_0c000000000000000000000000000002',
  officer3: 'ou_0c000000000000000000000000000003',
};

export const PEOPLE_CSV = `open_id,name,unit_code,role
${PEOPLE.officer1},王村干,V1,officer
${PEOPLE.officer2},李村干,V1,officer
${PEOPLE.officer3},赵村干,V2,officer
${PEOPLE.archivist},钱档案,T1,archivist
${PEOPLE.leader},孙书记,X,leader
`;

export const HOUSEHOLDS_CSV = `village_code,code,head_name,group_name
V1,01,张三,一组
V1,02,李四,二组
`;

export async function seedOrg(db: Db, clock: Clock): Promise<void> {
  await importUnits({ db, clock }, { text: ORG_CSV, fileName: 'org.csv' });
  await importPeople({ db, clock }, { text: PEOPLE_CSV, fileName: 'people.csv' });
  await importHouseholds({ db, clock }, { text: HOUSEHOLDS_CSV, fileName: 'households.csv' });
}

/** A small checklist: two village items (photo ×3, document ×1) and one household item (photo ×2). */
export const SMALL_CHECKLIST = `
code: small
title: 测试清单
level: village
items:
  - { code: C01, title: 村两委会议记录, class: 综合类, retention: 30年, kinds: [document], min_count: 1,
      keywords: [会议记录], due: { days_before_campaign_deadline: 30 } }
  - { code: C02, title: 识别公示照片, class: 精准识别类, retention: 永久, kinds: [photo], min_count: 3,
      keywords: [公示] }
  - { code: H01, title: 危房改造照片, class: 精准施策类, retention: 永久, kinds: [photo], min_count: 2,
      level: household, keywords: [危房] }
`;

export async function storeChecklist(db: Db, yaml: string, now: Date): Promise<void> {
  const template = parseChecklist(yaml, 'test.yaml');
  const contentHash = createHash('sha256').update(JSON.stringify(template)).digest('hex');
  await insertChecklistVersion(db, { template, version: 1, sourceFile: 'test.yaml', contentHash }, now);
}

let seq = 0;

/** A closed burst with materials (kinds in order); status 'stored' unless given. */
export async function insertBurst(
  db: Db,
  b: { chatId: string; sender: string; kinds: string[]; at: Date; caption?: string; statuses?: string[] },
): Promise<{ burstId: number; materialIds: number[] }> {
  const iso = sql`${b.at.toISOString()}::timestamptz`;
  // Shaped as Lark's message ids (om_…): the fake Lark refuses a reply to any other it does not hold.
  const tag = `om_m${++seq}_${Math.random().toString(36).slice(2, 8)}`;
  const [burst] = await queryRows<{ id: number }>(
    db,
    sql`insert into bursts (chat_id, sender_open_id, first_message_id, first_at, last_at, closes_at, status, caption,
          created_at)
        values (${b.chatId}, ${b.sender}, ${`${tag}_0`}, ${iso}, ${iso}, ${iso}, 'closed', ${b.caption ?? null}, ${iso})
        returning id::int as id`,
  );
  const burstId = Number(burst!.id);
  const materialIds: number[] = [];
  for (const [i, kind] of b.kinds.entries()) {
    const [m] = await queryRows<{ id: number }>(
      db,
      sql`insert into materials (message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind,
            original_name, status, burst_id, created_at)
          values (${`${tag}_${i}`}, ${`key_${i}`}, ${kind === 'photo' ? 'image' : 'file'}, ${b.chatId}, ${b.sender},
            ${new Date(b.at.getTime() + i).toISOString()}::timestamptz, ${kind}, ${kind === 'photo' ? `IMG_${i}.jpg` : `doc_${i}.pdf`},
            ${b.statuses?.[i] ?? 'stored'}, ${burstId}, ${iso})
          returning id::int as id`,
    );
    materialIds.push(Number(m!.id));
  }
  return { burstId, materialIds };
}

/** Ids of tasks by `<unit code>/<task code>`. */
export async function taskIds(db: Db): Promise<Map<string, number>> {
  const rows = await queryRows<{ id: number; key: string }>(
    db,
    sql`select t.id::int as id, u.code || '/' || t.code as key from tasks t join units u on u.id = t.unit_id`,
  );
  return new Map(rows.map((r) => [r.key, Number(r.id)]));
}
