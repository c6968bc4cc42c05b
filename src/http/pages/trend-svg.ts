import type { TrendPoint } from '../../db/repos/page-unit.js';
import { plainDay } from '../../domain/plain-date.js';
import { localDay } from '../../domain/working-days.js';
import { escapeHtml, trusted, type Html } from './html.js';

/**
 * The weekly completeness line (done / total per digest snapshot) as a small inline SVG: a dozen
 * points need no charting library (VChart or ECharts would add ~1 MB of script to every phone).
 */
export function trendSvg(points: TrendPoint[], timeZone: string, today: string): Html {
  // Each point is the day its digest went out (「11月30日」), never the ISO week code.
  const name = (p: TrendPoint) => plainDay(localDay(p.takenAt, timeZone), today);
  // The end labels are as wide as a date: they grow inwards, inside the picture.
  const anchor = (i: number) => (points.length === 1 ? 'middle' : i === 0 ? 'start' : 'end');
  const w = 320;
  const h = 120;
  const pad = { l: 32, r: 8, t: 8, b: 22 };
  const xs = (i: number) =>
    pad.l + (points.length === 1 ? (w - pad.l - pad.r) / 2 : (i * (w - pad.l - pad.r)) / (points.length - 1));
  const ys = (pct: number) => pad.t + ((100 - pct) * (h - pad.t - pad.b)) / 100;
  const pct = (p: TrendPoint) => (p.total > 0 ? (100 * p.done) / p.total : 0);
  const line = points.map((p, i) => `${xs(i).toFixed(1)},${ys(pct(p)).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle cx="${xs(i).toFixed(1)}" cy="${ys(pct(p)).toFixed(1)}" r="3" fill="#3370ff"><title>${escapeHtml(
          `${name(p)}：${pct(p).toFixed(1)}%（${p.done}/${p.total}），逾期 ${p.overdue}`,
        )}</title></circle>`,
    )
    .join('');
  const labels = points
    .map((p, i) =>
      i === 0 || i === points.length - 1
        ? `<text x="${xs(i).toFixed(1)}" y="${h - 6}" font-size="10" text-anchor="${anchor(i)}" fill="#8f959e">${escapeHtml(name(p))}</text>`
        : '',
    )
    .join('');
  const grid = [0, 50, 100]
    .map(
      (g) =>
        `<line x1="${pad.l}" x2="${w - pad.r}" y1="${ys(g)}" y2="${ys(g)}" stroke="#eee"/><text x="${pad.l - 4}" y="${ys(g) + 3}" font-size="10" text-anchor="end" fill="#8f959e">${g}%</text>`,
    )
    .join('');
  return trusted(
    `<svg class="trend" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:480px" role="img" aria-label="每周完成率">${grid}<polyline fill="none" stroke="#3370ff" stroke-width="2" points="${line}"/>${dots}${labels}</svg>`,
  );
}
