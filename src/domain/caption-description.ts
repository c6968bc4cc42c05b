/** What a photo group's caption already says of its description (事由 / 地点 / 人物). Pure. */
export interface DescriptionDraft {
  reason?: string;
  place?: string;
  people?: string;
}

const MAX = 100;
const LABELLED: [keyof DescriptionDraft, RegExp][] = [
  ['reason', /(?:事由|内容|事项)\s*[:：]\s*([^\n；;]+)/],
  ['place', /(?:地点|位置)\s*[:：]\s*([^\n；;]+)/],
  ['people', /(?:人物|人员|参加人员|参会人员)\s*[:：]\s*([^\n；;]+)/],
];
/** 「在东村三组开展…」: the place of an unlabelled sentence. */
const PLACE_IN = /在([\u4e00-\u9fffA-Za-z0-9]{2,20}?)(?:开展|召开|进行|举行|组织|拍摄|检查|走访|入户|验收)/;

const clean = (s: string | undefined): string | undefined => {
  const t = s
    ?.replace(/#[A-Za-z]?\d+(?:-\d+)?/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return t && t.length >= 2 ? t.slice(0, MAX) : undefined;
};

/**
 * Prefills the description form from the caption: labelled parts (「地点：东村三组」) first; otherwise
 * the first line is the 事由 and 「在…开展/召开…」 names the 地点. The officer corrects or completes it.
 */
export function draftFromCaption(caption: string | null | undefined): DescriptionDraft {
  if (!caption) return {};
  const out: DescriptionDraft = {};
  let rest = caption;
  for (const [field, re] of LABELLED) {
    const m = re.exec(rest);
    const v = clean(m?.[1]);
    if (m && v) {
      out[field] = v;
      rest = rest.replace(m[0], '');
    }
  }
  if (!out.reason) {
    const first = rest
      .split('\n')
      .map((l) => clean(l))
      .find((l) => l !== undefined);
    if (first) out.reason = first;
  }
  if (!out.place) {
    const m = PLACE_IN.exec(caption);
    const v = clean(m?.[1]);
    if (v) out.place = v;
  }
  return out;
}
