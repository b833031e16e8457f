import type { Transport } from "@connectrpc/connect";
import { checkWaitUntil } from "../cache/background-wait-until.js";
import { resolveCacheOptions, type CacheOptions } from "../cache/cache-options.js";
import { ResponseCache, type BackgroundOptions } from "../cache/response-cache.js";
import type { ClientEvent, ServiceName } from "../metrics/client-event.js";
import { clientDefaults } from "./client-options.js";
import { ClientMetrics, type ClientMetricsSnapshot, type PoolStats } from "../metrics/client-metrics.js";
import { createMethodMetricsTransport } from "../metrics/method-metrics-transport.js";
import type { CircuitState } from "../resilience/circuit-breaker.js";

/** A service's own cache layer (`createPredictionCacheTransport`, `createStorageCacheTransport`). */
export type ServiceCacheLayer = (next: Transport, cache: ResponseCache) => Transport;

/**
 * The layers every client has, whatever else it carries: the response cache
 * and, outermost, per-method latency and counts; and what `metrics()` reads.
 * Kept apart from the resilience layers so that a client without them
 * (`createPredictionClient`) loads none of their code.
 */
export interface CacheMetricsLayers {
  /** The counters every layer of the client writes to. */
  readonly metrics: ClientMetrics;
  /** The clock of latencies and delays, in milliseconds. */
  readonly now: () => number;
  /**
   * Wraps a service's transport in its cache layer (when the cache is on) and
   * the per-method metrics. `pool` is the base transport, asked for `stats()`
   * if it has it.
   */
  wrap(service: ServiceName, next: Transport, cacheLayer: ServiceCacheLayer, pool?: unknown): Transport;
  /** A snapshot of the counters, with the breaker states the caller's layers report. */
  snapshot(breaker: Partial<Record<ServiceName, CircuitState>>): ClientMetricsSnapshot;
}

/**
 * Builds the cache and metrics layers; `cacheOptions` undefined means no
 * cache. `background` is what the cache's background refreshes take from the
 * client (its `timeoutMs`, as given, and `waitUntil`). Bad cache options and
 * a `waitUntil` that is not a function throw `InvalidArgument` naming the option.
 */
export function createCacheMetricsLayers(
  cacheOptions: CacheOptions | undefined,
  background: { timeoutMs: number | undefined; waitUntil: unknown },
  onEvent?: (event: ClientEvent) => void,
): CacheMetricsLayers {
  checkWaitUntil(background.waitUntil, "waitUntil");
  const metrics = new ClientMetrics(onEvent);
  const refresh: BackgroundOptions = { timeoutMs: background.timeoutMs ?? clientDefaults.timeoutMs, waitUntil: background.waitUntil };
  const cache = cacheOptions ? new ResponseCache(resolveCacheOptions(cacheOptions), metrics, refresh) : undefined;
  const pools: Partial<Record<ServiceName, { stats(): PoolStats }>> = {};
  const now = () => performance.now();
  return {
    metrics,
    now,
    wrap(service, next, cacheLayer, pool) {
      if (hasStats(pool)) pools[service] = pool;
      return createMethodMetricsTransport(cache ? cacheLayer(next, cache) : next, metrics, now);
    },
    snapshot(breaker) {
      const pool: Partial<Record<ServiceName, PoolStats>> = {};
      for (const [service, p] of Object.entries(pools)) {
        try {
          pool[service as ServiceName] = p.stats();
        } catch {
          // A transport that cannot report right now (closed) reports nothing.
        }
      }
      return metrics.snapshot({ cacheEntries: cache?.entries ?? 0, cacheBytes: cache?.bytes ?? 0, breaker, pool });
    },
  };
}

function hasStats(pool: unknown): pool is { stats(): PoolStats } {
  return typeof pool === "object" && pool !== null && typeof (pool as { stats?: unknown }).stats === "function";
}
