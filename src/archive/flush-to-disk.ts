import { spawn } from 'node:child_process';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toolEnvironment } from '../child-environment.js';

/**
 * Makes everything written under `dir` durable before a package is declared done: packages are often
 * written to a USB disk that is unplugged as soon as the command says so, and the kernel may still
 * hold minutes of it in memory. `sync -f` (syncfs of the file system holding `dir`, coreutils) flushes
 * it in one call; where that is missing or refused, every file and folder under `dir` is fsynced.
 * Rejects when the disk cannot take the data (an I/O error on the carrier).
 */
export async function flushToDisk(dir: string, syncCommand = 'sync'): Promise<void> {
  if (await syncFileSystem(syncCommand, dir)) return;
  await fsyncTree(dir);
}

function syncFileSystem(command: string, dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['-f', dir], { stdio: 'ignore', env: toolEnvironment() });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(path);
    else if (entry.isFile()) await fsyncPath(path);
  }
  await fsyncPath(dir);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
