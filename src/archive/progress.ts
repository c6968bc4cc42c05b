/** Progress of a long run (export, verify): a line on a terminal's stderr, nothing otherwise. */
export interface Progress {
  start(label: string, total: number): void;
  tick(items: number, bytes?: number): void;
  done(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, done() {} };

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

/** Redraws one status line (at most 5 times a second) when `stream` is a TTY. */
export function terminalProgress(
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = () => Date.now(),
): Progress {
  if (!stream.isTTY) return silentProgress;
  let label = '';
  let total = 0;
  let items = 0;
  let bytes = 0;
  let startedAt = 0;
  let drawnAt = 0;
  const draw = (final = false) => {
    const t = now();
    if (!final && t - drawnAt < 200) return;
    drawnAt = t;
    const secs = Math.max(0.001, (t - startedAt) / 1000);
    const pct = total > 0 ? Math.floor((items / total) * 100) : 100;
    const line = `${label} ${items}/${total} (${pct}%)  ${mb(bytes)} MB  ${(items / secs).toFixed(0)} 件/s  ${mb(bytes / secs)} MB/s`;
    stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      items = 0;
      bytes = 0;
      startedAt = now();
      drawnAt = 0;
      draw();
    },
    tick(n, b = 0) {
      items += n;
      bytes += b;
      draw();
    },
    done() {
      draw(true);
    },
  };
}
