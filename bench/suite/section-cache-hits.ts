import type { Transport } from "@connectrpc/connect";
import { resolveCacheOptions } from "../../src/cache/cache-options.js";
import { createPredictionCacheTransport } from "../../src/layers/prediction-cache-transport.js";
import { ResponseCache } from "../../src/cache/response-cache.js";
import { SyncValueService, type LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { ClientMetrics } from "../../src/metrics/client-metrics.js";
import { createClient } from "../../src/node/create-client-node.js";
import { median, quantileSorted } from "./quantiles.js";

export interface CacheHitResult {
  /** Hits per second through the whole client (`predictLTV`: validation, deadline, metrics, cache), 1,000 calls in flight at a time; median of the rounds. */
  hitsPerSecond: number;
  /** The same per second of this process's CPU time: what one free core gives on a shared machine; median of the rounds. */
  hitsPerCpuSecond: number;
  /** Each round's hits per CPU second through the whole client, in the order run. */
  roundsHitsPerCpuSecond: number[];
  /** Hits per CPU second through the cache layer alone (key, lookup, answer; no validation, deadline or metrics); median of the rounds. */
  layerHitsPerCpuSecond: number;
  /** One hit, awaited before the next: p50 and p99 in microseconds. */
  p50Us: number;
  p99Us: number;
  /** Requests the server saw for all those hits (1: the first miss). */
  serverRequests: number;
  hits: number;
}

/** Rounds the hits are measured in, each a share of the calls; the whole client's and the layer's alternate. */
const rounds = 5;

/**
 * The cache hit path: the same request over and over through a client with
 * the default cache (TTL 60 s), so only the first call reaches the server.
 * Measured in rounds, whole client and layer alone in turn, and given as
 * medians: on this shared machine a spell of a few seconds can run every
 * measure of the process a third slower (one whole-run measure once gave
 * 1.35M hits per CPU second where the runs before and after gave 2.3-2.5M, the
 * layer alone and the awaited hit slower by as much).
 */
export async function runCacheHitSection(tcpUrl: string, request: LTVPredictionRequest, calls: number): Promise<CacheHitResult> {
  const client = createClient({ prediction: { url: tcpUrl }, timeoutMs: 5_000 });
  try {
    await client.prediction.predictLTV(request);
    const chunk = 1_000;
    const pending: Promise<unknown>[] = new Array(chunk);
    const burst = async (n: number) => {
      for (let i = 0; i < n; i += chunk) {
        for (let j = 0; j < chunk; j++) pending[j] = client.prediction.predictLTV(request);
        await Promise.all(pending);
      }
    };
    await burst(Math.min(calls, 100_000)); // warm-up: let the JIT settle

    // The cache layer alone, over a transport that answers with the server's first answer.
    const answer = await client.prediction.predictLTV(request);
    const origin: Transport = {
      unary: async (method) => ({ stream: false, service: SyncValueService, method, header: new Headers(), trailer: new Headers(), message: answer }) as never,
      stream: () => Promise.reject(new Error("no streams here")),
    };
    const layer = createPredictionCacheTransport(origin, new ResponseCache(resolveCacheOptions({}), new ClientMetrics(), { timeoutMs: 100, waitUntil: undefined }));
    const layerCall = () => layer.unary(SyncValueService.method.predictLTV, undefined, 100, undefined, request);
    // burst's twin, not one loop taking the call: a call site shared by both paths would be polymorphic in both measures.
    const layerBurst = async (n: number) => {
      for (let i = 0; i < n; i += chunk) {
        for (let j = 0; j < chunk; j++) pending[j] = layerCall();
        await Promise.all(pending);
      }
    };
    await layerBurst(chunk);

    const perRound = Math.max(chunk, Math.ceil(calls / rounds / chunk) * chunk);
    const wall: number[] = [];
    const cpuRate: number[] = [];
    const layerRate: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await burst(perRound);
      const cpu = process.cpuUsage(cpu0);
      wall.push(perRound / ((performance.now() - t0) / 1000));
      cpuRate.push(perRound / ((cpu.user + cpu.system) / 1e6));
      const lcpu0 = process.cpuUsage();
      await layerBurst(perRound);
      const lcpu = process.cpuUsage(lcpu0);
      layerRate.push(perRound / ((lcpu.user + lcpu.system) / 1e6));
    }
    const hitsPerSecond = median(wall);
    const hitsPerCpuSecond = median(cpuRate);
    const layerHitsPerCpuSecond = median(layerRate);

    const sequential = Math.min(calls, 100_000);
    const latencies = new Float64Array(sequential);
    for (let i = 0; i < sequential; i++) {
      const s = performance.now();
      await client.prediction.predictLTV(request);
      latencies[i] = (performance.now() - s) * 1000;
    }
    latencies.sort();
    const m = client.metrics();
    return {
      hitsPerSecond,
      hitsPerCpuSecond,
      roundsHitsPerCpuSecond: cpuRate,
      layerHitsPerCpuSecond,
      p50Us: quantileSorted(latencies, 0.5),
      p99Us: quantileSorted(latencies, 0.99),
      serverRequests: m.cache.misses, // the layer alone has its own cache and metrics
      hits: m.cache.hits,
    };
  } finally {
    await client.close();
  }
}
