import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('test database', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());

  it('is built from the real migrations', async () => {
    const rows = await queryRows<{ n: number }>(
      tdb.db,
      sql`select count(*)::int as n from information_schema.tables where table_name = 'inbound_events'`,
    );
    expect(rows[0]?.n).toBe(1);
  });
});
