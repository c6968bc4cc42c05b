import type { ResourceReason } from './errors.js';

/**
 * What this process is waiting for right now: each source (a queue table and job kind, e.g.
 * `jobs:download-material`) that paused its work names the missing resource. `/readyz` answers 503
 * with these reason codes while any is set; the operations alert reports them.
 */
export class Readiness {
  private readonly waits = new Map<string, ResourceReason>();

  wait(source: string, reason: ResourceReason): void {
    this.waits.set(source, reason);
  }

  resume(source: string): void {
    this.waits.delete(source);
  }

  /** The distinct reasons being waited for, sorted (empty: nothing waits). */
  reasons(): ResourceReason[] {
    return [...new Set(this.waits.values())].sort();
  }

  /** Sources and what each waits for (for the operations alert's detail). */
  sources(): { source: string; reason: ResourceReason }[] {
    return [...this.waits].map(([source, reason]) => ({ source, reason }));
  }
}
