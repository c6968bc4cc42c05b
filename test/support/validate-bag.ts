import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/**
 * An independent BagIt 1.0 validator (RFC 8493 §3): bagit.txt declaration, every payload file in the
 * manifest with the right SHA-256 and nothing else listed, Payload-Oxum, and the tag manifest.
 */
export function validateBag(root: string): string[] {
  const problems: string[] = [];
  const read = (name: string) => readFileSync(join(root, name), 'utf8');
  if (read('bagit.txt') !== 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')
    problems.push('bagit.txt');
  const parseManifest = (name: string) =>
    new Map(
      read(name)
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const m = /^([0-9a-f]{64})\s+(.+)$/.exec(line);
          if (!m) problems.push(`${name}: bad line ${line}`);
          const path = decodeURIComponent(m![2]!.replace(/%(?!0A|0D|25)/gi, '%25'));
          return [path, m![1]!] as const;
        }),
    );
  const manifest = parseManifest('manifest-sha256.txt');
  const payload = filesUnder(join(root, 'data')).map((p) => relative(root, p).split(sep).join('/'));
  let octets = 0;
  for (const rel of payload) {
    const bytes = readFileSync(join(root, rel));
    octets += bytes.length;
    const listed = manifest.get(rel);
    if (!listed) problems.push(`not in manifest: ${rel}`);
    else if (listed !== sha256(bytes)) problems.push(`checksum differs: ${rel}`);
  }
  for (const rel of manifest.keys()) if (!payload.includes(rel)) problems.push(`listed but missing: ${rel}`);
  const info = Object.fromEntries(
    read('bag-info.txt')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
  if (info['Payload-Oxum'] !== `${octets}.${payload.length}`)
    problems.push(`Payload-Oxum ${info['Payload-Oxum']} != ${octets}.${payload.length}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(info['Bagging-Date'] ?? '')) problems.push('Bagging-Date');
  const tags = parseManifest('tagmanifest-sha256.txt');
  for (const name of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']) {
    if (tags.get(name) !== sha256(readFileSync(join(root, name)))) problems.push(`tagmanifest: ${name}`);
  }
  return problems;
}
