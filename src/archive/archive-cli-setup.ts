import { join } from 'node:path';
import type { Env } from '../config.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import { loadArchiveConfig, type ArchiveConfig } from './archive-config.js';
import { commandVirusScanner, type VirusScanner } from './virus-scan.js';

/** What the archive command-line tools read from the environment (CLI entry points may). */
export interface ArchiveCliSetup {
  dataDir: string;
  blobs: LocalBlobStore;
  config: ArchiveConfig;
  timeZone: string;
  virusScan?: VirusScanner;
}

/**
 * DATA_DIR (files under DATA_DIR/files), ARCHIVE_CONFIG (default config/archive.yaml), TZ (default
 * Asia/Shanghai) and VIRUS_SCAN_COMMAND (else archive.yaml's virusScanCommand).
 */
export function archiveCliSetup(env: Env): ArchiveCliSetup {
  const dataDir = env.DATA_DIR || './data';
  const config = loadArchiveConfig(env.ARCHIVE_CONFIG || 'config/archive.yaml');
  const scan = env.VIRUS_SCAN_COMMAND || config.virusScanCommand;
  return {
    dataDir,
    blobs: new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 }),
    config,
    timeZone: env.TZ || 'Asia/Shanghai',
    ...(scan ? { virusScan: commandVirusScanner(scan) } : {}),
  };
}
