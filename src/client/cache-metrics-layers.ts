import type { Transport } from "@connectrpc/connect";
import { checkWaitUntil } from "../cache/background-wait-until.js";
import { resolveCacheOptions, type CacheOptions } from "../cache/cache-options.js";
import { ResponseCache, type BackgroundOptions } from "../cache/response-cache.js";
import type { ClientEvent, ServiceName } from "../metrics/client-event.js";
import { clientDefaults } from "./client-options.js";
import { ClientMetrics, type ClientMetricsSnapshot, type PoolStats } from "../metrics/client-metrics.js";
import { foreignLayer } from "../layers/foreign-layer.js";
import { createMethodMetricsTransport } from "../layers/method-metrics-transport.js";
import type { CircuitState } from "../resilience/circuit-breaker.js";
import type { LayerSet } from "../layers/compose-layers.js";
import { telemetryTarget, type ClientTelemetry } from "./client-telemetry.js";
import type { ResolvedEndpoint } from "./resolved-endpoint.js";

/** A service's own cache layer (`createPredictionCacheTransport`, `createStorageCacheTransport`). */
export type ServiceCacheLayer = (next: Transport, cache: ResponseCache) => Transport;

/**
 * The layers every client has, whatever else it carries: the telemetry's,
 * per-method latency and counts, and the response cache; and what
 * `metrics()` reads. Kept apart from the resilience layers so that a client
 * without them (`createPredictionClient`) loads none of their code.
 */
export interface CacheMetricsLayers {
  /** The counters every layer of the client writes to. */
  readonly metrics: ClientMetrics;
  /** The clock of latencies and delays, in milliseconds. */
  readonly now: () => number;
  /**
   * A service's layers of these kinds, at their positions: `callTelemetry`
   * and `attemptTelemetry` (with telemetry), `metrics`, and `cache` (when the
   * cache is on, with the service's own `cacheLayer`). `pool` is the base
   * transport, asked for `stats()` if it has it; `endpoint` is where it goes
   * (for telemetry).
   */
  layers(service: ServiceName, cacheLayer: ServiceCacheLayer, pool: unknown, endpoint: ResolvedEndpoint): LayerSet;
  /** A snapshot of the counters, with the breaker states the caller's layers report. */
  snapshot(breaker: Partial<Record<ServiceName, CircuitState>>): ClientMetricsSnapshot;
}

/**
 * Builds the cache and metrics layers; `cacheOptions` undefined means no
 * cache, `telemetry` undefined no telemetry layers (checked already).
 * `background` is what the cache's background refreshes take from the
 * client (its `timeoutMs`, as given, and `waitUntil`). Bad cache options and
 * a `waitUntil` that is not a function throw `InvalidArgument` naming the option.
 */
export function createCacheMetricsLayers(
  cacheOptions: CacheOptions | undefined,
  background: { timeoutMs: number | undefined; waitUntil: unknown },
  onEvent?: (event: ClientEvent) => void,
  telemetry?: ClientTelemetry,
): CacheMetricsLayers {
  checkWaitUntil(background.waitUntil, "waitUntil");
  const metrics = new ClientMetrics(onEvent);
  metrics.noting = telemetry !== undefined;
  const refresh: BackgroundOptions = { timeoutMs: background.timeoutMs ?? clientDefaults.timeoutMs, waitUntil: background.waitUntil };
  const cache = cacheOptions ? new ResponseCache(resolveCacheOptions(cacheOptions), metrics, refresh) : undefined;
  const pools: Partial<Record<ServiceName, { stats(): PoolStats }>> = {};
  const now = () => performance.now();
  return {
    metrics,
    now,
    layers(service, cacheLayer, pool, endpoint) {
      if (hasStats(pool)) pools[service] = pool;
      const target = telemetry ? telemetryTarget(service, endpoint) : undefined;
      return {
        // The integration's code runs between the validation and the cache: a foreign layer.
        callTelemetry: target && foreignLayer((next) => telemetry!.calls(next, target)),
        metrics: (next) => createMethodMetricsTransport(next, metrics, now),
        cache: cache && ((next) => cacheLayer(next, cache)),
        attemptTelemetry: target && ((next) => telemetry!.attempts(next, target)),
      };
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
