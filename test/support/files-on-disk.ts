import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What a folder holds on disk, summed here by the test: its regular files' bytes and how many. */
export function filesOnDisk(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const st = lstatSync(join(d, name));
      if (st.isDirectory()) walk(join(d, name));
      else if (st.isFile()) {
        bytes += st.size;
        files += 1;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}
