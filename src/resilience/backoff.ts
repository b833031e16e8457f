/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff and Jitter"): the delay before retry `attempt` (0 for the first
 * retry) is uniform in `[0, min(maxMs, baseMs * 2^attempt))`. Full jitter
 * spreads retries of many clients the most, so a recovering service is not
 * hit by synchronised waves.
 *
 * `random` returns a number in [0, 1); inject a seeded one for repeatable tests.
 */
export function fullJitterBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return random() * ceiling;
}
