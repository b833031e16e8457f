// The one full-jitter backoff: call retries, TCP reconnects and fleet lease renewals draw from it.
import { describe, expect, it } from "vitest";
import { fullJitterBackoffMs } from "../../src/call/backoff.js";

/** Deterministic PRNG so a failing draw is reproducible. */
function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe("full-jitter backoff", () => {
  it("draws delays below an exponentially growing, capped ceiling", () => {
    expect(fullJitterBackoffMs(0, 100, 5000, () => 0.5)).toBe(50);
    expect(fullJitterBackoffMs(3, 100, 5000, () => 0.5)).toBe(400);
    expect(fullJitterBackoffMs(10, 100, 5000, () => 0.999)).toBeCloseTo(4995, 6);
    expect(fullJitterBackoffMs(1000, 100, 5000, () => 0)).toBe(0);
    const rand = prng(3);
    const draws = Array.from({ length: 500 }, () => fullJitterBackoffMs(4, 100, 5000, rand));
    expect(Math.max(...draws)).toBeLessThan(1600);
    expect(Math.min(...draws)).toBeLessThan(200); // jitter reaches low values, not just the ceiling
  });

  it("stays a number after a very long run of failures, even with a zero base", () => {
    expect(fullJitterBackoffMs(5000, 100, 5000, () => 0.5)).toBe(2500);
    expect(fullJitterBackoffMs(5000, 0, 5000, () => 0.5)).toBe(0);
  });

  it("draws from Math.random when no source is given", () => {
    const d = fullJitterBackoffMs(2, 100, 5000);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThan(400);
  });
});
