/**
 * s3rver in a process of its own for bench:capture (its JavaScript would otherwise share the bench's
 * event loop with the fake Lark): prints the store's environment as one JSON line, closes on SIGTERM.
 */
import { startLocalS3 } from '../../test/support/s3-server.js';

const s3 = await startLocalS3();
process.stdout.write(`${JSON.stringify(s3.env('bench/'))}\n`);
process.on('SIGTERM', () => {
  void s3.close().then(() => process.exit(0));
});
