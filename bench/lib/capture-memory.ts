import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MB = 1024 * 1024;

/** A full garbage collection (enabled at run time, so `tsx bench/capture.ts` needs no flags). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Samples this process's memory every `everyMs` until stopped; reports MB. RSS is what the
 * operating system sees, but it keeps the high-water mark of earlier work (freed memory is reused
 * before RSS grows); JS heap + external buffers shows what this phase itself allocated.
 */
export class RssSampler {
  private peak = 0;
  private peakAllocated = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    everyMs = 20,
    private readonly withHeap = false,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    if (this.withHeap) {
      const m = process.memoryUsage();
      this.peak = Math.max(this.peak, m.rss);
      this.peakAllocated = Math.max(this.peakAllocated, m.heapUsed + m.external);
    } else this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** Stops sampling: the highest RSS and the highest heap + external seen, in MB. */
  stop(): { rssMb: number; allocatedMb: number } {
    clearInterval(this.timer);
    this.sample();
    return { rssMb: this.peak / MB, allocatedMb: this.peakAllocated / MB };
  }
}

export const rssMb = (): number => process.memoryUsage.rss() / MB;

/** JS heap in use + memory of Buffers and other external allocations, in MB. */
export const allocatedMb = (): number => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / MB;
};
