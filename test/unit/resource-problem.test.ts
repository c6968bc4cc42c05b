import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { LarkNetworkError, resourceProblem } from '../../src/errors.js';
import { DiskFullError, storeWriteError, StoreUnwritableError } from '../../src/ports/blob-store.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('resourceProblem: what waits instead of failing', () => {
  it('recognises the store and the database, through cause chains (drizzle wraps driver errors)', () => {
    expect(resourceProblem(new DiskFullError('full', 0))?.reason).toBe('disk_low');
    expect(resourceProblem(storeWriteError(errno('EROFS')))?.reason).toBe('store_unwritable');
    expect(storeWriteError(errno('EACCES'))).toBeInstanceOf(StoreUnwritableError);
    expect(storeWriteError(errno('ENOSPC'))).toBeInstanceOf(DiskFullError);
    expect(resourceProblem(errno('ECONNREFUSED'))?.reason).toBe('database_unreachable');
    expect(resourceProblem(errno('CONNECT_TIMEOUT'))?.reason).toBe('database_unreachable');
    const wrapped = new Error('Failed query: select 1', { cause: errno('57P01') });
    expect(resourceProblem(wrapped)?.reason).toBe('database_unreachable');
    // The server's end of a connection gone under a query (restart, failover, a terminated backend).
    const reset = new Error('Failed query: select 1', { cause: errno('ECONNRESET') });
    expect(resourceProblem(reset)?.reason).toBe('database_unreachable');
    // The server has no connection to spare (max_connections, a role's CONNECTION LIMIT) for now.
    expect(resourceProblem(errno('53300'))?.reason).toBe('database_busy');
  });

  it('an embedded database that was shut down (PGlite closed, as the bot stops) is the database away', async () => {
    const client = await PGlite.create();
    const db = drizzle(client);
    await db.execute(sql`select 1`);
    await client.close();
    const err = await db.execute(sql`select 1`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(resourceProblem(err)?.reason).toBe('database_unreachable');
    // A PGlite boot (initdb in WebAssembly) took over the 30 s default on a loaded 2-core machine.
  }, 120_000);

  it('leaves everything else to the usual retries: Lark network errors, a reset download stream, bugs', () => {
    expect(resourceProblem(new LarkNetworkError('x', { cause: errno('ECONNREFUSED') }))).toBeUndefined();
    expect(resourceProblem(errno('ECONNRESET'))).toBeUndefined();
    expect(resourceProblem(new Error('a bug'))).toBeUndefined();
    expect(resourceProblem(errno('23505'))).toBeUndefined(); // unique violation
    expect(storeWriteError(errno('EIO'))).toMatchObject({ code: 'EIO' });
  });
});
