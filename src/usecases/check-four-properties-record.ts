import { catalogueEntryOf, type CatalogueOptions } from '../archive/catalogue-entry.js';
import type { Db } from '../db/client.js';
import type { RecordFacts, ScopeClass } from '../db/repos/archive-catalogue.js';
import type { CatalogueEntry } from '../domain/catalogue.js';
import { classNumbers } from '../db/repos/archive-records.js';
import { formatArchivalCode, type ArchivalCodeRules } from '../domain/archival-code.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import { yyyymmdd } from '../domain/catalogue-date.js';
import {
  catalogueFieldProblems,
  fieldRangeProblems,
  findNumberGaps,
  gapText,
} from '../domain/four-properties-rules.js';
import { GAP_LABELS } from '../domain/photo-description.js';

/**
 * Record-level checks (no file reads): required catalogue fields, the item still live, files
 * recorded, the photo description (a warning), and the audit trail (file → confirm → unconfirm).
 */
export function checkRecord(
  r: RecordFacts,
  opts: CatalogueOptions,
  report: ReportBuilder,
  /** The record's catalogue entry, when the caller built it already. */
  known?: CatalogueEntry,
): void {
  const at = { itemId: r.itemId, archivalCode: r.archivalCode };
  report.totals.records++;
  report.checked('integrity');
  report.checked('security');
  const has = (action: string) => (r.audit[action] ?? 0) > 0;
  const missingTrail = ['file', 'confirm', ...(r.status === 'withdrawn' ? ['unconfirm'] : [])].filter(
    (a) => !has(a),
  );
  if (missingTrail.length > 0)
    report.add(failure('audit_missing', `缺少审计记录：${missingTrail.join('、')}`, at));
  if (r.status === 'withdrawn') {
    report.totals.withdrawn++;
    return;
  }
  const entry = known ?? catalogueEntryOf(r, opts);
  for (const p of catalogueFieldProblems({ ...entry, archivalCode: r.archivalCode }))
    report.add(failure(p.check, p.message, at));
  for (const message of fieldRangeProblems(entry, yyyymmdd(r.confirmedAt, opts.timeZone)))
    report.add(failure('field_out_of_range', message, at));
  if (r.undoneAt) report.add(failure('item_not_live', '该件已确认归档，但其归档记录后来被撤销', at));
  if (r.materials.length === 0) report.add(failure('file_missing', '该件没有任何电子文件', at));
  if (entry.photo && entry.photo.gaps.length > 0)
    report.add(
      failure('description_gap', `照片说明缺少：${entry.photo.gaps.map((g) => GAP_LABELS[g]).join('、')}`, {
        ...at,
        severity: 'warning',
      }),
    );
}

/** A file of a record as the 版式 check sees it. */
export interface LayoutFile {
  mime: string;
  /** Its extension in the package (DOCX, JPG …), named in the warning. */
  ext: string;
  /** PDF/A (XMP pdfaid claim) or OFD. */
  fixedLayout: boolean;
}

/**
 * GB/T 18894: a 文书 is archived as a 版式 file (PDF/A, OFD). One without any is a warning naming
 * what it has. A PDF/A-2 claim counts when it holds under the clause check (`archive/pdfa-check.ts`).
 * The export runs it on the package's files, including the 版式 copies it makes (photographed pages,
 * DOCX through DOCX_TO_PDF_COMMAND); `npm run verify` on the stored ones (no copies).
 */
export function checkFixedLayout(
  r: Pick<RecordFacts, 'kind' | 'itemId' | 'archivalCode'>,
  files: readonly LayoutFile[],
  report: ReportBuilder,
): void {
  if (r.kind !== 'document' || files.length === 0) return;
  report.checked('usability');
  if (files.some((f) => f.fixedLayout)) return;
  const has = [
    ...new Set(
      files.map((f) => (f.mime === 'application/pdf' ? 'PDF（未声明 PDF/A）' : f.ext.toUpperCase())),
    ),
  ];
  report.add(
    failure('not_fixed_layout', `文书没有版式文件（PDF/A 或 OFD），现有：${has.join('、')}`, {
      itemId: r.itemId,
      archivalCode: r.archivalCode,
      severity: 'warning',
    }),
  );
}

/** 件号 continuity of a whole class (every number 1..N exists as a row, withdrawn ones included). */
export async function checkClassNumbering(
  db: Db,
  cls: ScopeClass,
  rules: ArchivalCodeRules,
  report: ReportBuilder,
): Promise<void> {
  report.checked('integrity');
  const { numbers, last } = await classNumbers(db, cls.classKey);
  for (const gap of findNumberGaps(numbers, last)) {
    const from = formatArchivalCode(cls, gap.from, rules);
    const to = formatArchivalCode(cls, gap.to, rules);
    report.add(
      failure(
        'number_gap',
        `件号 ${gapText(gap)} 缺失（${gap.from === gap.to ? from : `${from} 至 ${to}`}）`,
        {
          archivalCode: from,
        },
      ),
    );
  }
}
