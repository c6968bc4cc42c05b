import type { ArchiveConfig } from '../archive/archive-config.js';
import { commandVirusScanner, type VirusScanner } from '../archive/virus-scan.js';
import { commandDocxToPdf, type DocxToPdf } from '../archive/docx-to-pdf.js';
import type { CliSettings } from '../settings.js';
import type { BlobStore } from '../ports/blob-store.js';
import { openBlobStore } from '../storage/open-blob-store.js';

/** What the archive command-line tools need, from the validated settings (settings.ts). */
export interface ArchiveCliSetup {
  dataDir: string;
  blobs: BlobStore;
  config: ArchiveConfig;
  timeZone: string;
  virusScan?: VirusScanner;
  docxToPdf?: DocxToPdf;
}

/** The stored files (DATA_DIR/files, or the bucket of BLOB_STORE=s3), archive.yaml (ARCHIVE_CONFIG), TZ, the virus-scan and DOCX → PDF commands. */
export async function archiveCliSetup(settings: CliSettings): Promise<ArchiveCliSetup> {
  const scan = settings.virusScanCommand();
  const docx = settings.docxToPdfCommand();
  return {
    dataDir: settings.dataDir,
    blobs: (await openBlobStore(settings, { minFreeBytes: 0 })).blobs,
    config: settings.archive.settings(),
    timeZone: settings.timeZone,
    ...(scan ? { virusScan: commandVirusScanner(scan) } : {}),
    ...(docx ? { docxToPdf: commandDocxToPdf(docx) } : {}),
  };
}
