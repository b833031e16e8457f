import type { LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { quantileSorted } from "./quantiles.js";

export interface CacheHitResult {
  /** Hits per second through the whole client (`predictLTV`: validation, deadline, metrics, cache), 1,000 calls in flight at a time. */
  hitsPerSecond: number;
  /** One hit, awaited before the next: p50 and p99 in microseconds. */
  p50Us: number;
  p99Us: number;
  /** Requests the server saw for all those hits (1: the first miss). */
  serverRequests: number;
  hits: number;
}

/**
 * The cache hit path: the same request over and over through a client with
 * the default cache (TTL 60 s), so only the first call reaches the server.
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
    const t0 = performance.now();
    await burst(calls);
    const hitsPerSecond = calls / ((performance.now() - t0) / 1000);

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
      p50Us: quantileSorted(latencies, 0.5),
      p99Us: quantileSorted(latencies, 0.99),
      serverRequests: m.cache.misses,
      hits: m.cache.hits,
    };
  } finally {
    await client.close();
  }
}
