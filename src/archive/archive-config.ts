import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ArchivalCodeRules } from '../domain/archival-code.js';
import { isSampleFonds, SAMPLE_FONDS_NAME } from '../domain/sample-fonds.js';
import { AppError } from '../errors.js';

/** config/archive.yaml: numbering rules, allowed formats and the package's unit names. */
export interface ArchiveConfig extends ArchivalCodeRules {
  fonds: ArchivalCodeRules['fonds'] & { name: string };
  secrecyDefault: string;
  /** 机关代字 → 发文机关 (archive.yaml `issuers`), on top of the national ones built in. */
  issuers: Record<string, string>;
  allowedFormats: string[];
  package: {
    transferringUnit: string;
    receivingUnit: string;
    contact: string;
    /** 载体 fields of 说明文件 and the 登记表 ('' = derived: maker/checker the 移交单位, keeper the 接收单位). */
    carrier: { type: string; spec: string; number: string; keeper: string; maker: string; checker: string };
  };
  virusScanCommand?: string;
  /** DOCX → PDF converter command (`{in}`, `{out}`): DOCX 文书 and the 登记表 get a PDF. */
  docxToPdfCommand?: string;
  /** The archivists' chat that gets the weekly 四性 check result (optional). */
  reportChat?: string;
  chatUploadLimitBytes: number;
}

const code = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]{1,12}$/, '只能是字母和数字（1-12位）');
const kinds = z.enum(['document', 'photo_group', 'audio', 'video']);

const schema = z.object({
  fonds: z.object({
    code,
    name: z.string().trim().default(''),
    byUnit: z.record(z.string(), code).nullish(),
  }),
  category: z.object({ document: code, photo_group: code, audio: code, video: code }).partial().nullish(),
  retention: z.object({ Y: code, D30: code, D10: code }).partial().nullish(),
  orgCode: z
    .object({
      byClass: z.record(z.string(), code).nullish(),
      byUnitKind: z.record(z.string(), code).nullish(),
      default: code.nullish(),
      omitFor: z.array(kinds).nullish(),
    })
    .nullish(),
  pieceDigits: z.number().int().min(3).max(6).nullish(),
  /** Part of every 档号 and of file names: only a safe punctuation mark (or none). */
  yearSeparator: z.enum(['·', '-', '.', '_', '']).nullish(),
  secrecyDefault: z.string().nullish(),
  /** 机关代字 of 文号 → 发文机关 (责任者 of received documents), e.g. 县政办发: 某县人民政府办公室. */
  issuers: z.record(z.string().trim().min(1).max(16), z.string().trim().min(1)).nullish(),
  allowedFormats: z.array(z.string().trim().min(3)).min(1).nullish(),
  package: z
    .object({
      transferringUnit: z.string().nullish(),
      receivingUnit: z.string().nullish(),
      contact: z.string().nullish(),
      carrier: z
        .object({
          type: z.string().trim().nullish(),
          spec: z.string().trim().nullish(),
          number: z.string().trim().nullish(),
          keeper: z.string().trim().nullish(),
          maker: z.string().trim().nullish(),
          checker: z.string().trim().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  virusScanCommand: z.string().trim().min(1).nullish(),
  docxToPdfCommand: z.string().trim().min(1).nullish(),
  reportChat: z
    .string()
    .regex(/^oc_[0-9A-Za-z_-]+$/, '应为群的 chat_id（oc_ 开头）')
    .nullish(),
  chatUploadLimitMb: z.number().positive().max(30).nullish(),
});

export const DEFAULT_ALLOWED_FORMATS = [
  'image/jpeg',
  'image/png',
  'image/tiff',
  'application/pdf',
  'application/ofd',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'audio/mpeg',
  'audio/wav',
  'video/mp4',
];

/** Validates a parsed archive.yaml (or a plain object in tests) and fills in the defaults. */
export function parseArchiveConfig(raw: unknown, source = 'archive.yaml'): ArchiveConfig {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('bad_archive_config', `${source} 有误：\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  return {
    fonds: { code: v.fonds.code, name: v.fonds.name, byUnit: v.fonds.byUnit ?? {} },
    category: { document: 'WS', photo_group: 'ZP', audio: 'LY', video: 'LX', ...v.category },
    retention: { Y: 'Y', D30: 'D30', D10: 'D10', ...v.retention },
    orgCode: {
      byClass: v.orgCode?.byClass ?? {},
      byUnitKind: v.orgCode?.byUnitKind ?? {},
      default: v.orgCode?.default ?? 'ZH',
      omitFor: v.orgCode?.omitFor ?? ['photo_group', 'audio', 'video'],
    },
    pieceDigits: v.pieceDigits ?? 4,
    yearSeparator: v.yearSeparator ?? '·',
    secrecyDefault: v.secrecyDefault ?? '',
    issuers: v.issuers ?? {},
    allowedFormats: v.allowedFormats ?? DEFAULT_ALLOWED_FORMATS,
    package: {
      transferringUnit: v.package?.transferringUnit ?? v.fonds.name,
      receivingUnit: v.package?.receivingUnit ?? '',
      contact: v.package?.contact ?? '',
      carrier: {
        type: v.package?.carrier?.type || '移动硬盘',
        spec: v.package?.carrier?.spec ?? '',
        number: v.package?.carrier?.number ?? '',
        keeper: v.package?.carrier?.keeper ?? '',
        maker: v.package?.carrier?.maker ?? '',
        checker: v.package?.carrier?.checker ?? '',
      },
    },
    ...(v.virusScanCommand ? { virusScanCommand: v.virusScanCommand } : {}),
    ...(v.docxToPdfCommand ? { docxToPdfCommand: v.docxToPdfCommand } : {}),
    ...(v.reportChat ? { reportChat: v.reportChat } : {}),
    chatUploadLimitBytes: Math.floor((v.chatUploadLimitMb ?? 30) * 1024 * 1024),
  };
}

/**
 * The shipped config/archive.yaml's sample names still in `c` (全宗名称 某县人民政府办公室, 移交单位, 接收单位
 * 某县档案馆), as the doctor names them: left so, every 说明文件 and the 档号's 全宗号 (never reused once
 * confirmed) would carry the sample's.
 */
export function sampleArchiveNames(c: ArchiveConfig): string[] {
  return [
    ...(isSampleFonds(c.fonds) ? [`全宗（fonds：${c.fonds.code} ${c.fonds.name}）`] : []),
    ...(c.package.transferringUnit === SAMPLE_FONDS_NAME
      ? [`移交单位（package.transferringUnit：${c.package.transferringUnit}）`]
      : []),
    ...(c.package.receivingUnit === '某县档案馆'
      ? [`接收单位（package.receivingUnit：${c.package.receivingUnit}）`]
      : []),
  ];
}

/** Reads config/archive.yaml (or `path`). */
export function loadArchiveConfig(path = 'config/archive.yaml'): ArchiveConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('archive_config_missing', `读不到档案设置文件 ${path}`, { cause: err });
  }
  return parseArchiveConfig(parseYaml(text), path);
}
