/**
 * The province data set as set-based SQL (generate_series, no per-row round trips). Deterministic:
 * the same options give the same rows. Ids are explicit where rows refer to each other
 * (material id = item id * 8 + position), so no lookups are needed between steps.
 */
export interface ProvinceOptions {
  counties: number;
  townshipsPerCounty: number;
  villagesPerTownship: number;
  tasksPerVillage: number;
  /** Campaign year; due dates run weekly from 01-31 of it. */
  year: number;
}

export const DEFAULT_PROVINCE: ProvinceOptions = {
  counties: 10,
  townshipsPerCounty: 10,
  villagesPerTownship: 150,
  tasksPerVillage: 50,
  year: 2026,
};

/** Statements in order, each with a label for progress output. `$now` is the build time. */
export function provinceStatements(o: ProvinceOptions): { label: string; sql: string }[] {
  const y = o.year;
  const campaign = `(select id from campaigns where code = 'province-${y}')`;
  return [
    {
      label: 'units',
      sql: `
        insert into units (code, name, kind, parent_id, path, full_name, settings, created_at, updated_at)
        select 'C' || lpad(c::text, 3, '0'), '第' || c || '县', 'county', null, '/', '第' || c || '县', '{}', now(), now()
        from generate_series(1, ${o.counties}) c;
        update units set path = '/' || id || '/' where kind = 'county';
        insert into units (code, name, kind, parent_id, path, full_name, settings, created_at, updated_at)
        select p.code || 'T' || lpad(t::text, 3, '0'), '第' || t || '镇', 'township', p.id, '/', p.full_name || '/第' || t || '镇',
          '{}', now(), now()
        from units p cross join generate_series(1, ${o.townshipsPerCounty}) t where p.kind = 'county';
        update units u set path = p.path || u.id || '/' from units p where p.id = u.parent_id and u.kind = 'township';
        insert into units (code, name, kind, parent_id, path, full_name, settings, created_at, updated_at)
        select p.code || 'V' || lpad(v::text, 4, '0'), '第' || v || '村', 'village', p.id, '/', p.full_name || '/第' || v || '村',
          '{}', now(), now()
        from units p cross join generate_series(1, ${o.villagesPerTownship}) v where p.kind = 'township';
        update units u set path = p.path || u.id || '/' from units p where p.id = u.parent_id and u.kind = 'village';`,
    },
    {
      label: 'people, roles, chats',
      sql: `
        insert into people (open_id, name, updated_at)
        select 'ou_off_' || id, '村干部' || id, now() from units where kind = 'village'
        union all select 'ou_lead_' || id, '领导' || id, now() from units where kind in ('county', 'township');
        insert into unit_roles (unit_id, open_id, role, created_at)
        select id, 'ou_off_' || id, 'officer', now() from units where kind = 'village'
        union all select id, 'ou_lead_' || id, 'leader', now() from units where kind in ('county', 'township');
        insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
        select 'oc_v' || id, id, 'active', 'ou_off_' || id, now() from units where kind = 'village';`,
    },
    {
      label: 'campaign',
      sql: `
        insert into checklists (code, version, title, level, source_file, content_hash, content, loaded_at)
        values ('province', 1, '基准清单', 'village', 'bench', 'bench', '{"items":[]}', now());
        insert into campaigns (code, title, checklist_code, checklist_version, year, deadline, created_at, created_by)
        values ('province-${y}', '${y}年 基准清单', 'province', 1, ${y}, '${y}-12-31T00:00:00+08:00', now(), 'bench');`,
    },
    {
      label: 'tasks',
      sql: `
        insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds, min_count,
          keywords, due_at, state, responsible, created_at)
        select ${campaign}, u.id, 'C' || lpad(j::text, 2, '0'), 'C' || lpad(j::text, 2, '0'), j, '归档事项第' || j || '项',
          '综合类', 'Y',
          (array['{document}', '{photo}', '{document,photo}', '{photo}'])[1 + j % 4]::text[], 1 + j % 3, '{}'::text[],
          timestamptz '${y}-01-31 23:59:59+08' + (j * 7) * interval '1 day',
          case when (u.id + j) % 50 = 0 then 'waived' else 'open' end,
          array['ou_off_' || u.id], now()
        from units u cross join generate_series(0, ${o.tasksPerVillage - 1}) j where u.kind = 'village'
        order by u.id, j;`,
    },
    {
      label: 'filing items',
      sql: `
        insert into filing_items (id, task_id, unit_id, kind, title, n_photo, n_document, n_audio, n_video, filed_by,
          filed_at, via, chat_id, undone_at)
        select t.id * 4 + k, t.id, t.unit_id, case when t.kinds[1] = 'photo' then 'photo_group' else 'document' end, '材料',
          case when t.kinds[1] = 'photo' then 1 + (t.id + k) % 4 else 0 end,
          case when t.kinds[1] = 'photo' then 0 else 1 + (t.id + k) % 3 end, 0, 0,
          'ou_off_' || t.unit_id, f.at, 'reply', 'oc_v' || t.unit_id,
          case when (t.id + k) % 50 = 0 then f.at + interval '1 hour' end
        from tasks t
          cross join lateral generate_series(1, case when (t.id * 7) % 10 < 3 then 0 else 1 + t.id % 3 end) k
          cross join lateral (select timestamptz '${y}-01-01 10:00+08' + ((t.id * 7 + k * 13) % 165) * interval '1 day'
            + ((t.id + k) % 480) * interval '1 minute' as at) f;
        select setval(pg_get_serial_sequence('filing_items', 'id'), (select max(id) from filing_items));`,
    },
    {
      label: 'materials',
      sql: `
        insert into materials (id, message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind, role,
          size_bytes, sha256, storage_key, status, quality, created_at, stored_at)
        select fi.id * 8 + p, 'om_' || fi.id, 'key_' || p, case when fi.n_photo > 0 then 'image' else 'file' end,
          fi.chat_id, fi.filed_by, fi.filed_at - interval '5 minutes', case when fi.n_photo > 0 then 'photo' else 'document' end,
          'main', 200000 + (fi.id * 31 + p) % 3000000, h.sha, 'blobs/' || substr(h.sha, 1, 2) || '/' || substr(h.sha, 3, 2) || '/' || h.sha,
          case when (fi.id + p) % 97 = 0 then 'failed' when (fi.id + p) % 193 = 0 then 'needs_reupload' else 'stored' end,
          case when fi.n_photo > 0 then case when (fi.id + p) % 20 = 0 then 'compressed' else 'ok' end end,
          fi.filed_at - interval '5 minutes', fi.filed_at - interval '4 minutes'
        from filing_items fi
          cross join lateral generate_series(1, fi.n_photo + fi.n_document) p
          cross join lateral (select md5(fi.id || ':' || p) || md5(p || ':' || fi.id) as sha) h;
        select setval(pg_get_serial_sequence('materials', 'id'), (select max(id) from materials));
        insert into filing_item_materials (item_id, material_id, position)
        select fi.id, fi.id * 8 + p, p from filing_items fi cross join lateral generate_series(1, fi.n_photo + fi.n_document) p;`,
    },
  ];
}
