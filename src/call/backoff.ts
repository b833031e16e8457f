/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff and Jitter"): the delay before retry `attempt` (0 for the first
 * retry) is uniform in `[0, min(maxMs, baseMs * 2^attempt))`. Full jitter
 * spreads the retries and reconnects of many clients the most, so a
 * recovering service is not hit by synchronised waves. Used by call retries,
 * TCP reconnects and fleet lease renewals.
 *
 * `random` returns a number in [0, 1); inject a seeded one for repeatable tests.
 */
export function fullJitterBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  // The exponent is capped so a long run of failures cannot reach 2^1024 (Infinity, and NaN times a 0 base).
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return random() * ceiling;
}
