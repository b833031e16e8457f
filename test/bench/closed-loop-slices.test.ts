// The benchmark's closed loop in slices (bench/suite/closed-loop.ts,
// `mergeLoopResults`): the near-free section runs each c=1 cell as several
// slices taken in turn with the other contenders' and counts them together, so
// the merged figures must be those of all the slices' calls, as one longer
// window would count them. Real loops of a real asynchronous call (one
// `setImmediate` turn); no speed is asserted.
import { describe, expect, it } from "vitest";
import { closedLoop, mergeLoopResults, type LoopResult } from "../../bench/suite/closed-loop.js";
import { quantileSorted } from "../../bench/suite/quantiles.js";

const call = () => new Promise<void>((resolve) => setImmediate(resolve));
let failEvery = 0;
let n = 0;
const sometimesFails = () => call().then(() => {
  if (failEvery > 0 && ++n % failEvery === 0) throw new Error("every third call fails");
});

async function slices(count: number, options: { concurrency: number; keepLatencies: boolean }): Promise<LoopResult[]> {
  const parts: LoopResult[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(await closedLoop(sometimesFails, { concurrency: options.concurrency, durationMs: 40, warmupMs: 5, maxCalls: 20_000, keepLatencies: options.keepLatencies, observeRuntime: true }));
  }
  return parts;
}

describe("closed loop in slices", () => {
  it("counts merged slices as all their calls together: calls, errors, calls/s, latency quantiles, CPU and GC per call", async () => {
    failEvery = 3;
    const parts = await slices(3, { concurrency: 1, keepLatencies: true });
    failEvery = 0;
    const merged = mergeLoopResults(parts);
    const calls = parts.reduce((s, r) => s + r.calls, 0);
    expect(calls).toBeGreaterThan(0);
    expect(merged.calls).toBe(calls);
    expect(merged.errors).toBe(parts.reduce((s, r) => s + r.errors, 0));
    expect(merged.errors).toBeGreaterThan(0);
    expect(merged.firstError).toBe("every third call fails");
    const elapsed = parts.reduce((s, r) => s + r.elapsedMs, 0);
    expect(merged.elapsedMs).toBeCloseTo(elapsed, 6);
    expect(merged.callsPerSecond).toBeCloseTo((calls / elapsed) * 1000, 6);
    // The quantiles of every call of every slice, not a median or mean of the slices' own.
    const all = Float64Array.from(parts.flatMap((r) => [...r.latencies!])).sort();
    expect(merged.latencies).toEqual(all);
    expect(merged.p50Us).toBe(quantileSorted(all, 0.5));
    expect(merged.p95Us).toBe(quantileSorted(all, 0.95));
    expect(merged.p99Us).toBe(quantileSorted(all, 0.99));
    const cpu = parts.reduce((s, r) => s + r.cpuUsPerCall * r.calls, 0);
    expect(merged.cpuUsPerCall).toBeCloseTo(cpu / calls, 6);
    const gcs = parts.reduce((s, r) => s + (r.gcsPerKCall * r.calls) / 1000, 0);
    expect(merged.gcsPerKCall).toBeCloseTo((gcs / calls) * 1000, 6);
    expect(Number.isNaN(merged.serverCpuUsPerCall)).toBe(true);
  }, 30_000);

  it("leaves one slice as it is, and refuses slices run without their latencies", async () => {
    const [one] = await slices(1, { concurrency: 2, keepLatencies: false });
    expect(mergeLoopResults([one!])).toBe(one);
    expect(one!.latencies).toBeUndefined();
    const two = await slices(2, { concurrency: 2, keepLatencies: false });
    expect(() => mergeLoopResults(two)).toThrow(/keepLatencies/);
  }, 30_000);
});
