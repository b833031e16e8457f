import { create } from "@bufbuild/protobuf";
import { HealthResponseSchema, type HealthResponse } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { BASELINE_MODEL_VERSION } from "../model/baseline-ltv-model.js";

/**
 * Options of {@link createModelHealthTracker}.
 *
 * @public
 */
export interface ModelHealthTrackerOptions {
  /**
   * How many of the most recent predictions the latency figures (average,
   * p95, p99) and the health verdict cover.
   * @defaultValue 1024
   */
  latencyWindow?: number;
  /**
   * `model_version` reported before the first prediction; afterwards the
   * version of the latest successful response is reported.
   * @defaultValue "baseline-rfm-1"
   */
  modelVersion?: string;
  /**
   * `target_accuracy` to report. The server has no labels, so it measures no
   * accuracy: `current_accuracy` is always 0 (not measured).
   * @defaultValue 0
   */
  targetAccuracy?: number;
  /**
   * Wall clock in milliseconds since the epoch; the "predictions today"
   * counter resets when its UTC day changes.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/**
 * Figures behind `GetModelHealth`, measured by the server itself.
 *
 * @public
 */
export interface ModelHealthTracker {
  /**
   * Records one run of the model: its latency in milliseconds and whether it
   * produced a response (`false` when it threw or returned garbage). Requests
   * rejected by validation never reach the model and are not recorded.
   */
  recordPrediction(latencyMs: number, ok: boolean, modelVersion?: string): void;
  /** A client connection was accepted (HTTP or TCP). */
  connectionOpened(): void;
  /** A connection counted by `connectionOpened` closed. */
  connectionClosed(): void;
  /** Connections currently open. */
  readonly activeConnections: number;
  /** Model runs since the last UTC midnight. */
  readonly predictionsToday: number;
  /**
   * The current `HealthResponse`. `is_healthy` is false when more than half
   * of the last (at least 10) model runs in the window failed. Without
   * `includeMetrics`, only `is_healthy`, `model_version` and
   * `uptime_seconds` are filled, as the request asks.
   *
   * Metrics: `predictions_today`; average, p95 and p99 (nearest rank) of the
   * model latency over the window; `cpu_usage_percent` of the process since the
   * previous snapshot (100 = one core busy); `memory_usage_mb`, the resident
   * set size; `active_connections`.
   */
  snapshot(includeMetrics: boolean): HealthResponse;
}

const DAY_MS = 86_400_000;
const MIN_RUNS_FOR_VERDICT = 10;
/** Below this interval, a CPU figure would be mostly noise: keep the previous one. */
const MIN_CPU_INTERVAL_MS = 50;

/**
 * Creates a {@link ModelHealthTracker}; uptime counts from this call.
 *
 * @public
 */
export function createModelHealthTracker(options: ModelHealthTrackerOptions = {}): ModelHealthTracker {
  const now = options.now ?? Date.now;
  const windowSize = Math.max(1, Math.floor(options.latencyWindow ?? 1024));
  const targetAccuracy = options.targetAccuracy ?? 0;
  const startedAt = now();

  // Ring buffers over the last `windowSize` model runs.
  const latencies = new Float64Array(windowSize);
  const failures = new Uint8Array(windowSize);
  let runs = 0;
  let modelVersion = options.modelVersion ?? BASELINE_MODEL_VERSION;
  let day = Math.floor(startedAt / DAY_MS);
  let today = 0;
  let active = 0;

  let cpuBase = process.cpuUsage();
  let cpuBaseAt = performance.now();
  let cpuPercent = 0;

  const rollDay = () => {
    const current = Math.floor(now() / DAY_MS);
    if (current !== day) {
      day = current;
      today = 0;
    }
  };

  const measureCpu = () => {
    const at = performance.now();
    const elapsedMs = at - cpuBaseAt;
    if (elapsedMs < MIN_CPU_INTERVAL_MS) return cpuPercent;
    const used = process.cpuUsage(cpuBase);
    cpuPercent = ((used.user + used.system) / 1000 / elapsedMs) * 100;
    cpuBase = process.cpuUsage();
    cpuBaseAt = at;
    return cpuPercent;
  };

  return {
    recordPrediction(latencyMs, ok, version) {
      rollDay();
      const slot = runs % windowSize;
      latencies[slot] = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0;
      failures[slot] = ok ? 0 : 1;
      runs++;
      today++;
      if (ok && version) modelVersion = version;
    },
    connectionOpened() {
      active++;
    },
    connectionClosed() {
      if (active > 0) active--;
    },
    get activeConnections() {
      return active;
    },
    get predictionsToday() {
      rollDay();
      return today;
    },
    snapshot(includeMetrics) {
      rollDay();
      const filled = Math.min(runs, windowSize);
      let failed = 0;
      for (let i = 0; i < filled; i++) failed += failures[i]!;
      const healthy = filled < MIN_RUNS_FOR_VERDICT || failed * 2 <= filled;
      const base = {
        isHealthy: healthy,
        modelVersion,
        uptimeSeconds: BigInt(Math.max(0, Math.floor((now() - startedAt) / 1000))),
      };
      if (!includeMetrics) return create(HealthResponseSchema, base);
      const sorted = latencies.slice(0, filled).sort();
      const sum = sorted.reduce((acc, x) => acc + x, 0);
      return create(HealthResponseSchema, {
        ...base,
        currentAccuracy: 0,
        targetAccuracy,
        predictionsToday: BigInt(today),
        avgLatencyMs: filled > 0 ? sum / filled : 0,
        p95LatencyMs: nearestRank(sorted, 0.95),
        p99LatencyMs: nearestRank(sorted, 0.99),
        cpuUsagePercent: measureCpu(),
        memoryUsageMb: process.memoryUsage.rss() / (1024 * 1024),
        activeConnections: active,
      });
    },
  };
}

function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
