import { loadBaseConfig, type BaseConfig, type Env } from '../config.js';
import type { Db } from '../db/client.js';
import {
  emptyDatabaseBesideFiles,
  filesWithoutDatabasePlace,
  newDatabaseBesideFiles,
} from '../db/files-without-database.js';
import type { BlobStore } from '../ports/blob-store.js';
import { openBlobStore } from '../storage/open-blob-store.js';

/**
 * The start's refusal of an archive's stored originals beside a new or empty database
 * (db/files-without-database.ts: files_without_database, exit 2), said by doctor before the start: each
 * answers the refusal's text, or undefined when the start would go on. Only reads: the store is listed (a
 * bucket after the start's own reachability check), and a database is neither created nor migrated here.
 */
export interface StoredOriginals {
  /** On a database the start would create or set up (no DATA_DIR/pglite, an empty PostgreSQL). */
  beforeNew(): Promise<string | undefined>;
  /** On a migrated database (one with no material, made by a command or older than the originals). */
  besideEmpty(db: Db): Promise<string | undefined>;
}

/**
 * From the bot's settings, or with those incomplete (no Lark credentials yet) the ones every command
 * reads; undefined when those are bad too (the 配置 line says why). A store that cannot be opened or
 * listed (a bucket that does not answer) answers undefined: the start says that itself.
 */
export function storedOriginals(
  env: Env,
  config?: Pick<BaseConfig, 'dataDir' | 'databaseUrl' | 'blobStore' | 'envFiles'>,
): StoredOriginals | undefined {
  let settings: Pick<BaseConfig, 'dataDir' | 'databaseUrl' | 'blobStore' | 'envFiles'>;
  try {
    settings = config ?? loadBaseConfig(env);
  } catch {
    return undefined;
  }
  const where = filesWithoutDatabasePlace(settings);
  let opened: Promise<BlobStore | undefined> | undefined;
  const blobs = () =>
    (opened ??= (async () => {
      try {
        const store = await openBlobStore(settings);
        await store.check();
        return store.blobs;
      } catch {
        return undefined;
      }
    })());
  const ask = async (refusal: (store: BlobStore) => Promise<string | undefined>) => {
    const store = await blobs();
    return store ? refusal(store).catch(() => undefined) : undefined;
  };
  return {
    beforeNew: () => ask((store) => newDatabaseBesideFiles(store, where)),
    besideEmpty: (db) => ask((store) => emptyDatabaseBesideFiles(db, store, where)),
  };
}
