import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/bot-process.js';

/**
 * deploy/archive-bot-backup.sh, the nightly backup the systemd timer runs, run for real by /bin/sh with
 * `runuser` (the backup command: what it leaves and its exit code), `systemctl` and `date` (one new
 * folder name a run) on PATH. It pruned to the newest KEEP after an incomplete backup (exit 3: a damaged
 * stored file left out, DAMAGED.txt) as after a complete one, so KEEP nights after a file went bad every
 * backup still holding its good copy was gone, while the warning sent people to 「更早的备份」.
 */
describe('the nightly backup script keeps the backups that hold what the newest ones lack', () => {
  let tmp: string;
  let backups: string;
  let state: string;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'archive-bot-nightly-'));
    const bin = join(tmp, 'bin');
    backups = join(tmp, 'backups');
    state = join(tmp, 'state');
    for (const d of [bin, backups, state, join(tmp, 'app')]) mkdirSync(d);
    writeFileSync(join(state, 'n'), '0');
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    // What `backup --out OUT` leaves: a finished folder (backup.json, then the manifest), DAMAGED.txt
    // too on exit 3; nothing on exit 1 (a failed backup removes its folder).
    stub(
      'runuser',
      [
        'out=""',
        'while [ $# -gt 0 ]; do [ "$1" = "--out" ] && out=$2; shift; done',
        'rc=$(cat "$FAKE_STATE/rc")',
        '[ "$rc" = 1 ] && exit 1',
        'mkdir -p "$out/files" && echo "{}" > "$out/backup.json"',
        '[ "$rc" = 3 ] && echo "ab/cd/abcd（哈希不符，材料 12）" > "$out/DAMAGED.txt"',
        ': > "$out/manifest-sha256.txt"',
        'exit "$rc"',
      ].join('\n'),
    );
    stub('systemctl', 'exit 3');
    stub(
      'date',
      'n=$(($(cat "$FAKE_STATE/n") + 1)); echo "$n" > "$FAKE_STATE/n"; printf "202612%02d-023000\\n" "$n"',
    );
    writeFileSync(join(tmp, 'archive-bot.env'), 'DATABASE_URL=postgres://archive@127.0.0.1/archive\n');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** One night: the backup command exits `rc`; the script's exit code and what it said. */
  const night = (rc: 0 | 1 | 3) => {
    writeFileSync(join(state, 'rc'), String(rc));
    const res = spawnSync('/bin/sh', [join(repoRoot, 'deploy/archive-bot-backup.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${join(tmp, 'bin')}:/usr/bin:/bin`,
        ENV_FILE: join(tmp, 'archive-bot.env'),
        APP_DIR: join(tmp, 'app'),
        BACKUP_DIR: backups,
        KEEP: '7',
        FAKE_STATE: state,
      },
    });
    expect(res.status).toBe(rc);
    return res.stdout;
  };
  const kept = () => readdirSync(backups).sort();
  const day = (n: number) => `202612${String(n).padStart(2, '0')}-023000`;
  const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => day(from + i));

  it('complete nights keep the newest KEEP; a failed night removes nothing', () => {
    for (let i = 0; i < 9; i++) night(0);
    expect(kept()).toEqual(days(3, 9));
    night(1);
    expect(kept()).toEqual(days(3, 9));
  });

  it('night after night of exit 3 never removes the complete backups before them', () => {
    for (let i = 0; i < 7; i++) night(0);
    let said = '';
    for (let i = 0; i < 10; i++) said = night(3);
    // Seven good nights and ten incomplete ones: all kept, the newest complete among them.
    expect(kept()).toEqual(days(1, 17));
    expect(said).toContain(`backup usable but INCOMPLETE: see ${join(backups, day(17))}/DAMAGED.txt`);
    expect(said).toContain(`the newest complete backup, ${join(backups, day(7))}, still holds those files`);

    // The damaged file is put back: complete nights count again, and once KEEP complete backups follow
    // the incomplete ones, those go too.
    night(0);
    expect(kept()).toEqual(days(2, 18));
    for (let i = 0; i < 6; i++) night(0);
    expect(kept()).toEqual(days(18, 24));
    expect(existsSync(join(backups, day(18), 'DAMAGED.txt'))).toBe(false);
  });

  it('with no complete backup yet, incomplete nights remove nothing', () => {
    for (let i = 0; i < 9; i++) night(3);
    expect(kept()).toEqual(days(1, 9));
  });
});
