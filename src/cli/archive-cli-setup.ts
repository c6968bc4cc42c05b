import { join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import { commandVirusScanner, type VirusScanner } from '../archive/virus-scan.js';
import type { CliSettings } from '../settings.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';

/** What the archive command-line tools need, from the validated settings (settings.ts). */
export interface ArchiveCliSetup {
  dataDir: string;
  blobs: LocalBlobStore;
  config: ArchiveConfig;
  timeZone: string;
  virusScan?: VirusScanner;
}

/** Files under DATA_DIR/files, archive.yaml (ARCHIVE_CONFIG), TZ and the virus-scan command. */
export function archiveCliSetup(settings: CliSettings): ArchiveCliSetup {
  const scan = settings.virusScanCommand();
  return {
    dataDir: settings.dataDir,
    blobs: new LocalBlobStore(join(settings.dataDir, 'files'), { minFreeBytes: 0 }),
    config: settings.archive.settings(),
    timeZone: settings.timeZone,
    ...(scan ? { virusScan: commandVirusScanner(scan) } : {}),
  };
}
