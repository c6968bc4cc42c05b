import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** Who runs this process, for a message ('uid 1001' when the user has no name). */
export function processUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** This process's group by name, from /etc/group (the user's name when it is not listed). */
export function processGroupName(): string {
  const gid = process.getgid?.();
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    if (line) return line.split(':')[0]!;
  } catch {
    // No /etc/group (not Linux): the user's name, as useradd names its group.
  }
  return processUserName();
}
