import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeRefusedText } from '../../src/cli/write-refused.js';
import { diskFullText } from '../../src/disk-full.js';

/** A real ENOSPC from Node: /dev/full refuses every write with it. */
function enospc(): unknown {
  try {
    writeFileSync('/dev/full', 'x');
  } catch (err) {
    return err;
  }
  throw new Error('/dev/full accepted a write');
}

/**
 * A full disk said only 「无法启动：ENOSPC: no space left on device, write」 (the bot, exit 1 every 10 s),
 * 「打不开数据库：ENOSPC…」 or 「出错了：ENOSPC…」: no folder, no advice.
 */
describe('a full disk', () => {
  it('names the folder, df -h and what to free (a real ENOSPC from Node)', () => {
    const err = enospc();
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    // A write to an open file (as here) names no path: the folder the process writes in.
    expect(diskFullText(err, '/var/lib/archive-bot')).toBe(
      '/var/lib/archive-bot 所在的磁盘已满（ENOSPC）。用 df -h /var/lib/archive-bot 看剩余空间；' +
        '腾出空间（删掉不要的导出和旧备份、清理日志：journalctl --vacuum-size=200M）或换更大的磁盘后再运行',
    );
    // Found behind a wrapping error's cause too.
    const bare = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(writeRefusedText(new Error('wrapped', { cause: bare }), { dataDir: '/var/lib/archive-bot' })).toBe(
      '/var/lib/archive-bot 所在的磁盘已满（ENOSPC）。用 df -h /var/lib/archive-bot 看剩余空间；' +
        '腾出空间（删掉不要的导出和旧备份、清理日志：journalctl --vacuum-size=200M）或换更大的磁盘后再运行',
    );
    expect(diskFullText(new Error('other'))).toBeUndefined();
  });
});
