import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "../../src/metrics/latency-histogram.js";

describe("LatencyHistogram (drives hedging's p95 and metrics())", () => {
  it("reports quantiles within the bucket precision of the exact ones", () => {
    // A seeded log-normal-ish spread from 2 µs to about 2 s.
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 14 - 6)); // ms
    const h = new LatencyHistogram();
    for (const v of values) h.recordMs(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const reported = h.quantileMs(q);
      // 16 sub-buckets per power of two: within 1/16 above, and never below (plus µs rounding).
      expect(reported).toBeGreaterThanOrEqual(exact - 0.0005);
      expect(reported).toBeLessThanOrEqual(exact * (1 + 1 / 16) + 0.001);
    }
    expect(h.count).toBe(values.length);
    expect(h.maxMs()).toBeCloseTo(sorted[sorted.length - 1]!, 2);
  });

  it("is empty after reset and clamps nonsense", () => {
    const h = new LatencyHistogram();
    h.recordMs(Number.NaN);
    h.recordMs(-3);
    expect(h.quantileMs(0.5)).toBe(0);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.quantileMs(0.99)).toBe(0);
  });
});
