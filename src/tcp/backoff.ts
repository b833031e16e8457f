/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture
 * blog, "Exponential Backoff And Jitter"): a uniform random delay between 0
 * and `min(maxMs, baseMs * 2^attempt)`, so clients that lost the same server
 * do not reconnect in lockstep.
 */
export interface BackoffOptions {
  /** Ceiling of the first delay. Default 100 ms (gRPC: `initial_backoff` 1 s). */
  baseMs?: number;
  /** Largest ceiling. Default 5000 ms (gRPC: `max_backoff` 120 s). */
  maxMs?: number;
}

/** Delay before reconnect attempt number `attempt` (0 for the first retry). */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
