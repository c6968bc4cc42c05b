import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { fromPglite } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

export interface SeedOptions {
  /** Where the folder is made (default: the system's temp folder). */
  parent?: string;
  /**
   * On a PostgreSQL run, a test that hands its process DATABASE_URL needs no embedded database:
   * 'empty' leaves the folder empty there instead of migrating a PGlite nobody opens.
   */
  onPostgres?: 'migrate' | 'empty';
}

/**
 * A new data folder whose embedded database is already migrated, as the bot leaves it after its
 * first start. On PGlite runs the migrated template's data folder is copied into `<folder>/pglite`
 * (a fraction of a second) instead of the process under test running initdb and every migration.
 */
export async function seededDataDir(prefix: string, o: SeedOptions = {}): Promise<string> {
  const dataDir = mkdtempSync(join(o.parent ?? tmpdir(), `${prefix}-`));
  const dir = join(dataDir, 'pglite');
  const template = inject('pgliteTemplateDir');
  if (template) cpSync(template, dir, { recursive: true });
  else if (o.onPostgres !== 'empty') {
    const client = await PGlite.create(dir);
    await migrate(fromPglite(client));
    await client.close();
  }
  return dataDir;
}
