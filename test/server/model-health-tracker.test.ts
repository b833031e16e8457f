import { describe, expect, it } from "vitest";
import { createModelHealthTracker } from "../../src/server/model-health-tracker.js";

const DAY = 86_400_000;

describe("createModelHealthTracker", () => {
  it("computes average and nearest-rank percentiles over the recorded latencies", () => {
    const tracker = createModelHealthTracker();
    // 1..100 ms, shuffled deterministically.
    for (let i = 0; i < 100; i++) tracker.recordPrediction(((i * 37) % 100) + 1, true);
    const h = tracker.snapshot(true);
    expect(h.avgLatencyMs).toBeCloseTo(50.5, 9);
    expect(h.p95LatencyMs).toBe(95);
    expect(h.p99LatencyMs).toBe(99);
    expect(h.predictionsToday).toBe(100n);
  });

  it("keeps only the last `latencyWindow` runs", () => {
    const tracker = createModelHealthTracker({ latencyWindow: 10 });
    for (let i = 0; i < 50; i++) tracker.recordPrediction(1000, true);
    for (let i = 0; i < 10; i++) tracker.recordPrediction(2, true);
    const h = tracker.snapshot(true);
    expect(h.avgLatencyMs).toBe(2);
    expect(h.p99LatencyMs).toBe(2);
    expect(h.predictionsToday).toBe(60n);
  });

  it("resets predictions today at UTC midnight and counts uptime from creation", () => {
    let now = Date.UTC(2024, 4, 1, 23, 59, 0);
    const tracker = createModelHealthTracker({ now: () => now });
    tracker.recordPrediction(1, true);
    tracker.recordPrediction(1, true);
    now += 30_000;
    tracker.recordPrediction(1, true);
    expect(tracker.predictionsToday).toBe(3);
    now += 31_000; // 00:00:01 the next day
    expect(tracker.predictionsToday).toBe(0);
    tracker.recordPrediction(1, true);
    const h = tracker.snapshot(true);
    expect(h.predictionsToday).toBe(1n);
    expect(h.uptimeSeconds).toBe(61n);
    now += DAY;
    expect(tracker.snapshot(true).predictionsToday).toBe(0n);
  });

  it("counts active connections", () => {
    const tracker = createModelHealthTracker();
    tracker.connectionOpened();
    tracker.connectionOpened();
    tracker.connectionClosed();
    expect(tracker.snapshot(true).activeConnections).toBe(1);
    tracker.connectionClosed();
    tracker.connectionClosed(); // never below zero
    expect(tracker.activeConnections).toBe(0);
  });

  it("reports process figures and the latest model version", () => {
    const tracker = createModelHealthTracker({ modelVersion: "m0", targetAccuracy: 0.8 });
    expect(tracker.snapshot(false).modelVersion).toBe("m0");
    tracker.recordPrediction(3, true, "m1");
    tracker.recordPrediction(3, false, "broken");
    const h = tracker.snapshot(true);
    expect(h.modelVersion).toBe("m1");
    expect(h.targetAccuracy).toBe(0.8);
    expect(h.memoryUsageMb).toBeGreaterThan(1);
    expect(h.cpuUsagePercent).toBeGreaterThanOrEqual(0);
  });

  it("leaves metrics out unless asked, and turns unhealthy when most runs fail", () => {
    const tracker = createModelHealthTracker();
    for (let i = 0; i < 20; i++) tracker.recordPrediction(5, i % 4 === 0);
    const brief = tracker.snapshot(false);
    expect(brief.isHealthy).toBe(false);
    expect(brief.predictionsToday).toBe(0n);
    expect(brief.avgLatencyMs).toBe(0);
    for (let i = 0; i < 40; i++) tracker.recordPrediction(5, true);
    expect(tracker.snapshot(false).isHealthy).toBe(true);
  });
});
