/**
 * Notices that the process was frozen: Lambda and Vercel freeze it between
 * invocations (so does SIGSTOP), and meanwhile peers and NATs may drop its
 * idle connections. A freeze shows as a wall-clock gap between two checks
 * longer than the checks' period plus a tolerance, which running timers
 * cannot produce.
 *
 * Check from a periodic timer and before each use, and act on every `true`.
 * After a thaw the overdue timer runs before any I/O is read, so it is usually
 * the one to see the gap: a timer that only recorded the time would hide the
 * freeze from the request that arrives next.
 */
export class FreezeDetector {
  private last = Date.now();

  /** @param thresholdMs - the longest gap between checks that is not a freeze. */
  constructor(private readonly thresholdMs: number) {}

  /** True once per freeze: the time since the previous check (or reset) exceeds the threshold. */
  check(): boolean {
    const now = Date.now();
    const gap = now - this.last;
    this.last = now;
    return gap > this.thresholdMs;
  }

  /** Starts measuring afresh, e.g. when the periodic checks resume after a pause on purpose. */
  reset(): void {
    this.last = Date.now();
  }
}
