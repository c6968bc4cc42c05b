import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { emptyPgDatabase } from '../support/test-db.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const SERVICE_ENV = '/etc/archive-bot/archive-bot.env';
/** The README's commands that run a CLI as the service user with the service's settings. */
const serviceCommands = readme
  .split('\n')
  .filter((l) => l.startsWith('sudo -u archive-bot '))
  .map((l) => l.slice('sudo -u archive-bot '.length));

/**
 * The README's way of running a command-line tool on a server, with /etc/archive-bot/archive-bot.env
 * (deploy/archive-bot.env filled in, the optional scanner switched on and the DOCX converter of the
 * README's table): each value reaches the program as systemd gives it to the bot, spaces and quotes
 * included, and the shell prints nothing.
 */
describe("README's command lines for the service user", () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-service-cli-'));
  const envFile = join(tmp, 'archive-bot.env');
  const docxToPdf = readme.match(/E\.g\. `(soffice --headless [^`]+)`/)![1]!;
  const scanner = 'clamscan --no-summary {file}';
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = await seededDataDir('data', { parent: tmp, onPostgres: 'empty' });
    let databaseLine = '';
    if (pgUrl) {
      databaseLine = `DATABASE_URL=${await emptyPgDatabase(pgUrl)}\n`;
    }
    const template = readFileSync(join(repoRoot, 'deploy/archive-bot.env'), 'utf8');
    expect(template).toContain(`#VIRUS_SCAN_COMMAND=${scanner}\n`);
    writeFileSync(
      envFile,
      template
        .replace(/^DATA_DIR=.*$/m, `DATA_DIR=${dataDir}`)
        .replace(`#VIRUS_SCAN_COMMAND=${scanner}`, `VIRUS_SCAN_COMMAND=${scanner}`) +
        `DOCX_TO_PDF_COMMAND=${docxToPdf}\n${databaseLine}`,
    );
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const asServiceUser = (command: string) =>
    runProcess('sh', ['-c', command.replaceAll(SERVICE_ENV, envFile)], {}, repoRoot);

  it('the install step installs sudo, which these lines need (a minimal Debian has none)', () => {
    expect(serviceCommands.length).toBeGreaterThanOrEqual(2);
    expect(readme).toMatch(/^apt-get install -y [^\n]*\bsudo\b/m);
  });

  it('every value reaches the program whole', async () => {
    expect(serviceCommands.length).toBeGreaterThanOrEqual(2);
    const printer = join(tmp, 'print-env.mjs');
    writeFileSync(
      printer,
      'console.log(JSON.stringify([process.env.VIRUS_SCAN_COMMAND, process.env.DOCX_TO_PDF_COMMAND, process.env.DATA_DIR]))',
    );
    for (const command of serviceCommands) {
      // The same launcher, running a program that shows what it was given.
      const res = await asServiceUser(command.replace(/dist\/cli\/\w+\.js[^']*/, printer));
      expect(res.stderr, command).toBe('');
      expect(JSON.parse(res.stdout), command).toEqual([scanner, docxToPdf, dataDir]);
    }
  });

  it('the units list line runs the CLI on the service’s database', { timeout: 120_000 }, async () => {
    const command = serviceCommands.find((c) => c.includes('dist/cli/main.js units list'));
    expect(command).toBeDefined();
    const res = await asServiceUser(command!);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });
});
