import { z } from 'zod';

/**
 * A required-materials checklist (材料清单) as written in config/checklists/*.yaml. Retention and
 * kinds accept the Chinese words officers use and are normalized to codes.
 */
export type Retention = 'Y' | 'D30' | 'D10';
export type EvidenceKind = 'photo' | 'document' | 'video' | 'audio';
export type ChecklistLevel = 'village' | 'household';

export const RETENTION_LABELS: Record<Retention, string> = { Y: '永久', D30: '30年', D10: '10年' };

const RETENTION_BY_WORD: Record<string, Retention> = {
  永久: 'Y',
  '30年': 'D30',
  '10年': 'D10',
  Y: 'Y',
  D30: 'D30',
  D10: 'D10',
};

/** The 保管期限 a person wrote (永久, 30年, 10年, or the codes Y, D30, D10), or undefined. */
export function retentionOfWord(word: string): Retention | undefined {
  const w = word.trim().toUpperCase();
  return Object.hasOwn(RETENTION_BY_WORD, w) ? RETENTION_BY_WORD[w] : undefined;
}

const KIND_BY_WORD: Record<string, EvidenceKind> = {
  photo: 'photo',
  照片: 'photo',
  document: 'document',
  文件: 'document',
  video: 'video',
  视频: 'video',
  audio: 'audio',
  音频: 'audio',
  录音: 'audio',
};

/** A schema-level message, except for a missing value (reported as 缺少此项 like every field). */
const unlessMissing = (message: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? '缺少此项' : message;

const retention = z
  .union([z.string(), z.number()], { error: unlessMissing('必须是 永久、30年 或 10年') })
  .transform((v, ctx) => {
    const code = RETENTION_BY_WORD[String(v).trim()];
    if (!code) ctx.addIssue({ code: 'custom', message: '必须是 永久、30年 或 10年' });
    return code ?? 'Y';
  });

const kind = z.string().transform((v, ctx) => {
  const k = KIND_BY_WORD[v.trim()];
  if (!k)
    ctx.addIssue({
      code: 'custom',
      message: '必须是 photo、document、video 或 audio（照片、文件、视频、音频）',
    });
  return k ?? 'document';
});

/**
 * When a task is due: calendar or working days (Chinese calendar, 调休 included) before the campaign
 * deadline, or a fixed date in the campaign year.
 */
export const dueRuleSchema = z.union(
  [
    z.strictObject({ days_before_campaign_deadline: z.number().int().min(0).max(366) }),
    z.strictObject({ working_days_before_campaign_deadline: z.number().int().min(0).max(250) }),
    z.strictObject({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) }),
  ],
  {
    error:
      '必须是 { days_before_campaign_deadline: 天数 }、{ working_days_before_campaign_deadline: 工作日数 } 或 { month: 月, day: 日 }',
  },
);
export type DueRule = z.infer<typeof dueRuleSchema>;

export const ITEM_CODE_RE = /^[A-Z]{1,3}\d{2,3}$/;

export const checklistItemSchema = z.strictObject({
  code: z.string().regex(ITEM_CODE_RE, { error: '必须是 1–3 个大写字母加 2–3 位数字，如 C01' }),
  title: z.string().trim().min(1, { error: '不能为空' }),
  class: z.string().trim().min(1, { error: '不能为空' }),
  retention,
  kinds: z.array(kind).min(1, { error: '至少要有一种材料类型' }),
  /** What an item is archived as (its 门类); default: document when documents are accepted. */
  archive_as: kind.optional(),
  min_count: z.number().int().min(1, { error: '至少为 1' }).default(1),
  guidance: z.string().trim().default(''),
  keywords: z.array(z.string().trim().min(1)).default([]),
  due: dueRuleSchema.default({ days_before_campaign_deadline: 0 }),
  /** Overrides the checklist's level for this item. */
  level: z.enum(['village', 'household']).optional(),
});

export const checklistSchema = z
  .strictObject({
    code: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: '只能用小写字母、数字和连字符，如 village-jzfp' }),
    title: z.string().trim().min(1, { error: '不能为空' }),
    level: z.enum(['village', 'household'], { error: unlessMissing('必须是 village 或 household') }),
    description: z.string().optional(),
    items: z.array(checklistItemSchema).min(1, { error: '至少要有一项' }),
  })
  .superRefine(
    (c, ctx) => {
      // Runs even when other fields failed (`when`), so the value may be partial.
      const items: unknown[] = Array.isArray(c?.items) ? c.items : [];
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const code = (item as { code?: unknown } | null)?.code;
        if (typeof code !== 'string') return;
        if (seen.has(code))
          ctx.addIssue({ code: 'custom', path: ['items', i, 'code'], message: `编码 ${code} 重复` });
        seen.add(code);
      });
    },
    { when: () => true },
  );

export type ChecklistTemplate = z.output<typeof checklistSchema>;
export type ChecklistItem = ChecklistTemplate['items'][number];

/** `items[3].retention` from a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(根)';
}

/** Messages for issues the schema did not word itself (missing fields, wrong types, unknown keys). */
export function zhIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return '缺少此项';
    const expected: Record<string, string> = {
      string: '必须是文字',
      number: '必须是数字',
      array: '必须是列表',
      object: '必须是键值对象',
    };
    return expected[issue.expected] ?? `类型不对（应为 ${issue.expected}）`;
  }
  if (issue.code === 'unrecognized_keys') return `不认识的字段: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_value') return `必须是 ${issue.values.map(String).join('、')} 之一`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `不能小于 ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `不能大于 ${String(issue.maximum)}`;
  return undefined;
}
