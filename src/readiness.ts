import type { ResourceReason } from './errors.js';

/**
 * What this process is waiting for right now: each source (a queue table and job kind, e.g.
 * `jobs:download-material`) that paused its work names the missing resource. `/readyz` answers 503
 * with these reason codes while any is set; the operations alert reports them.
 */
export class Readiness {
  private readonly waits = new Map<string, ResourceReason>();
  /** When each reason was last given up (a wait that ended): a wait between two alert rounds still counts. */
  private readonly endedAt = new Map<ResourceReason, Date>();

  /** `now`: the bot's clock (tests move it). */
  constructor(private readonly now: () => Date) {}

  wait(source: string, reason: ResourceReason): void {
    this.waits.set(source, reason);
  }

  resume(source: string): void {
    const reason = this.waits.get(source);
    if (reason === undefined) return;
    this.waits.delete(source);
    if (![...this.waits.values()].includes(reason)) this.endedAt.set(reason, this.now());
  }

  /** The distinct reasons being waited for, sorted (empty: nothing waits). */
  reasons(): ResourceReason[] {
    return [...new Set(this.waits.values())].sort();
  }

  /** Whether `reason` is waited for now, or a wait for it ended at or after `since`. */
  seenSince(reason: ResourceReason, since: Date | undefined): boolean {
    if ([...this.waits.values()].includes(reason)) return true;
    const ended = this.endedAt.get(reason);
    return ended !== undefined && (since === undefined || ended.getTime() >= since.getTime());
  }

  /** Sources and what each waits for (for the operations alert's detail). */
  sources(): { source: string; reason: ResourceReason }[] {
    return [...this.waits].map(([source, reason]) => ({ source, reason }));
  }
}
