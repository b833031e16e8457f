import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { quantileSorted } from "./quantiles.js";

/** What one closed-loop run measured. */
export interface LoopResult {
  /** Calls completed (successes and errors). */
  calls: number;
  errors: number;
  /** First error message seen, for the report. */
  firstError: string | undefined;
  /** Completed calls per second. */
  callsPerSecond: number;
  /** Latency quantiles of completed calls, in microseconds. */
  p50Us: number;
  p95Us: number;
  p99Us: number;
  /** This process's CPU time (user + system) per completed call, in microseconds. */
  cpuUsPerCall: number;
  /** The server's CPU time per completed call, in microseconds (NaN when it cannot be read). */
  serverCpuUsPerCall: number;
  /** Garbage collections of this process in the measured window, per 1,000 calls (NaN unless `observeRuntime`). */
  gcsPerKCall: number;
  /** Time in garbage collection per call, in microseconds (NaN unless `observeRuntime`). */
  gcUsPerCall: number;
  /** p99 of the event loop's delay over the window beyond the sampling tick (`monitorEventLoopDelay`), in microseconds (NaN unless `observeRuntime`). */
  loopDelayP99Us: number;
  /** Length of the measured window, in milliseconds. */
  elapsedMs: number;
  /** Every completed call's latency in microseconds, ascending (only with `keepLatencies`), for {@link mergeLoopResults}. */
  latencies?: Float64Array;
}

/** Options of {@link closedLoop}. */
export interface LoopOptions {
  /** Callers, each making its next call as soon as the previous one answered. */
  concurrency: number;
  /** Length of the measured window. */
  durationMs: number;
  /** Unmeasured calls before it (per caller loop, in time). Default 100 ms. */
  warmupMs?: number;
  /** Hard cap on measured calls, so a loop is bounded in count too. Default 5,000,000. */
  maxCalls?: number;
  /** Reads the server's CPU time in microseconds, if it can be read. */
  serverCpuMicros?: () => number | undefined;
  /**
   * Also count garbage collections (a `gc` PerformanceObserver, as
   * `--trace-gc` would print them) and sample the event loop's delay
   * (`monitorEventLoopDelay`, 2 ms resolution) over the measured window.
   * No collection is forced before the window: the young generation is then
   * as full as the previous cell left it, so the scavenges counted are, on
   * average, those this cell's allocation causes (forcing one empties it,
   * and a short window then counts none). Default false.
   */
  observeRuntime?: boolean;
  /** Return the latencies themselves too (`LoopResult.latencies`). Default false. */
  keepLatencies?: boolean;
}

/** Resolution of the event loop delay histogram: fine enough for a p99 in a short window, cheap next to the calls. */
const loopDelayResolutionMs = 2;

/**
 * Runs `concurrency` loops of `call` for `durationMs` after a short warm-up,
 * recording each call's latency: the closed-loop model (a caller waits for
 * its answer before asking again), as a bidder with N auctions in flight does.
 */
export async function closedLoop(call: () => Promise<unknown>, options: LoopOptions): Promise<LoopResult> {
  const { concurrency, durationMs } = options;
  const maxCalls = options.maxCalls ?? 5_000_000;
  const warmEnd = performance.now() + (options.warmupMs ?? 100);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmEnd) await call().catch(() => undefined);
    }),
  );
  let latencies = new Float64Array(1 << 14);
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  const gcs: PerformanceEntry[] = [];
  const gcObserver = options.observeRuntime ? new PerformanceObserver((list) => void gcs.push(...list.getEntries())) : undefined;
  gcObserver?.observe({ entryTypes: ["gc"] });
  const loopDelay = options.observeRuntime ? monitorEventLoopDelay({ resolution: loopDelayResolutionMs }) : undefined;
  loopDelay?.enable();
  const server0 = options.serverCpuMicros?.();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (calls < maxCalls) {
        const t0 = performance.now();
        if (t0 >= end) break;
        try {
          await call();
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
        const t1 = performance.now();
        if (calls === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[calls++] = (t1 - t0) * 1000;
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const server1 = options.serverCpuMicros?.();
  loopDelay?.disable();
  if (gcObserver) {
    // Entries are delivered asynchronously: let the last ones in, then stop.
    await new Promise((r) => setImmediate(r));
    gcs.push(...gcObserver.takeRecords());
    gcObserver.disconnect();
  }
  const windowGcs = gcs.filter((e) => e.startTime >= start && e.startTime < start + elapsedMs);
  const sorted = latencies.subarray(0, calls).sort();
  return {
    calls,
    errors,
    firstError,
    callsPerSecond: (calls / elapsedMs) * 1000,
    p50Us: quantileSorted(sorted, 0.5),
    p95Us: quantileSorted(sorted, 0.95),
    p99Us: quantileSorted(sorted, 0.99),
    cpuUsPerCall: calls > 0 ? (cpu.user + cpu.system) / calls : Number.NaN,
    serverCpuUsPerCall: server0 !== undefined && server1 !== undefined && calls > 0 ? (server1 - server0) / calls : Number.NaN,
    gcsPerKCall: gcObserver && calls > 0 ? (windowGcs.length / calls) * 1000 : Number.NaN,
    gcUsPerCall: gcObserver && calls > 0 ? (windowGcs.reduce((s, e) => s + e.duration, 0) * 1000) / calls : Number.NaN,
    // The histogram holds the intervals between ticks in nanoseconds; the tick itself is not delay.
    loopDelayP99Us: loopDelay ? Math.max(0, loopDelay.percentile(99) / 1000 - loopDelayResolutionMs * 1000) : Number.NaN,
    elapsedMs,
    ...(options.keepLatencies ? { latencies: sorted.slice() } : {}),
  };
}

/**
 * One result from several windows of the same loop (slices of one cell, run
 * with `keepLatencies`): calls and CPU summed, calls/s over the windows' total
 * length, latency quantiles over all their calls, GC counts and time per call
 * over all their calls; the event loop delay p99 is the windows' own, averaged
 * weighted by calls (a quantile of the whole is not kept).
 */
export function mergeLoopResults(parts: readonly LoopResult[]): LoopResult {
  if (parts.length === 1) return parts[0]!;
  const calls = parts.reduce((s, r) => s + r.calls, 0);
  const elapsedMs = parts.reduce((s, r) => s + r.elapsedMs, 0);
  const all = new Float64Array(parts.reduce((s, r) => s + (r.latencies?.length ?? 0), 0));
  let at = 0;
  for (const r of parts) {
    if (r.latencies === undefined) throw new Error("mergeLoopResults: run each part with keepLatencies");
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  all.sort();
  // A per-call figure of each part, summed back to a total, over all calls.
  const perCall = (f: (r: LoopResult) => number) => (calls > 0 ? parts.reduce((s, r) => s + (r.calls > 0 ? f(r) * r.calls : 0), 0) / calls : Number.NaN);
  return {
    calls,
    errors: parts.reduce((s, r) => s + r.errors, 0),
    firstError: parts.find((r) => r.firstError !== undefined)?.firstError,
    callsPerSecond: elapsedMs > 0 ? (calls / elapsedMs) * 1000 : 0,
    p50Us: quantileSorted(all, 0.5),
    p95Us: quantileSorted(all, 0.95),
    p99Us: quantileSorted(all, 0.99),
    cpuUsPerCall: perCall((r) => r.cpuUsPerCall),
    serverCpuUsPerCall: perCall((r) => r.serverCpuUsPerCall),
    gcsPerKCall: perCall((r) => r.gcsPerKCall),
    gcUsPerCall: perCall((r) => r.gcUsPerCall),
    loopDelayP99Us: perCall((r) => r.loopDelayP99Us),
    elapsedMs,
    latencies: all,
  };
}
