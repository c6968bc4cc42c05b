import { userInfo } from 'node:os';

/** Who runs this process, for a message ('uid 1001' when the user has no name). */
export function processUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
