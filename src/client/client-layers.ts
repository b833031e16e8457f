import type { ClientOptions } from "./client-options.js";
import { createMicroBatchTransport } from "../layers/micro-batch-transport.js";
import { createPredictionCacheTransport } from "../layers/prediction-cache-transport.js";
import { createStorageCacheTransport } from "../layers/storage-cache-transport.js";
import type { LayerSet } from "../layers/compose-layers.js";
import { createCacheMetricsLayers } from "./cache-metrics-layers.js";
import { checkTelemetry } from "./client-telemetry.js";
import { featureOption as feature } from "./feature-option.js";
import type { ResolvedEndpoint } from "./resolved-endpoint.js";
import type { ClientEvent, ServiceName } from "../metrics/client-event.js";
import type { ClientMetricsSnapshot } from "../metrics/client-metrics.js";
import { refuseUnknownOptions } from "./unknown-options.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitBreakerSnapshot, type CircuitState } from "../resilience/circuit-breaker.js";
import { createCircuitBreakerTransport } from "../layers/circuit-breaker-transport.js";
import { createFallbackTransport } from "../layers/fallback-transport.js";
import { createHedgingTransport } from "../layers/hedging-transport.js";
import { RetryBudget } from "../resilience/retry-budget.js";
import { createRetryTransport } from "../layers/retry-transport.js";

/** The options of `createClient` that configure the layers built here (documented on `ClientOptions`). */
export type ClientLayerOptions = Pick<
  ClientOptions,
  "cache" | "batching" | "retry" | "hedging" | "circuitBreaker" | "fallback" | "onEvent" | "timeoutMs" | "waitUntil" | "telemetry"
>;

/** The layers of one client, and what `metrics()` and `circuitBreakerState()` read. */
export interface ClientLayers {
  /**
   * A service's layers, by position, as its options ask: the telemetry's,
   * metrics, cache, fallback, batching, breaker, hedging and retry (the
   * client base adds validation, the deadline and the closed guard).
   * `pool` is the base transport, asked for `stats()` if it has it;
   * `endpoint` is where it goes (for telemetry).
   */
  layers(service: ServiceName, pool: unknown, endpoint: ResolvedEndpoint): LayerSet;
  metrics(): ClientMetricsSnapshot;
  circuitBreakerState(): Partial<Record<ServiceName, CircuitBreakerSnapshot>>;
}

// The field names of RetryOptions and CircuitBreakerOptions (a new field goes here too).
const retryOptionNames = ["maxAttempts", "retryableCodes", "baseDelayMs", "maxDelayMs", "minAttemptMs", "random", "budget"];
const circuitBreakerOptionNames = [
  "consecutiveFailures",
  "failureRate",
  "minimumCalls",
  "windowMs",
  "openMs",
  "halfOpenProbes",
  "failureCodes",
  "initialState",
  "now",
];

/**
 * Builds the caching and resilience layers of a client. Every option is
 * checked here, so a bad one throws `InvalidArgument` before anything opens.
 * Defaults: cache on, batching off, retries on, hedging off, breaker on,
 * fallback on.
 */
export function createClientLayers(options: ClientLayerOptions): ClientLayers {
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") {
    throw invalidArgument("onEvent", "must be a function");
  }
  const cacheOptions = feature(options.cache, "cache", true);
  const batching = feature(options.batching, "batching", false);
  const retry = feature(options.retry, "retry", true);
  const hedging = feature(options.hedging, "hedging", false);
  const breakerOptions = feature(options.circuitBreaker, "circuitBreaker", true);
  const fallback = feature(options.fallback, "fallback", true);
  // A misspelt field of the resilience options would silently keep its default.
  if (retry) refuseUnknownOptions(retry, retryOptionNames, "retry.");
  if (retry?.budget !== undefined && retry.budget !== null && typeof retry.budget === "object") {
    refuseUnknownOptions(retry.budget, ["maxTokens", "tokenRatio"], "retry.budget.");
  }
  if (breakerOptions) refuseUnknownOptions(breakerOptions, circuitBreakerOptionNames, "circuitBreaker.");
  if (fallback) refuseUnknownOptions(fallback, ["reserveMs", "codes"], "fallback.");
  checkNumbers("batching", batching, ["windowMs", "maxBatchSize"]);
  checkNumbers("retry", retry, ["maxAttempts", "baseDelayMs", "maxDelayMs", "minAttemptMs"]);
  checkNumbers("hedging", hedging, ["initialDelayMs", "minDelayMs", "minSamples"]);
  if (hedging && hedging.delayMs !== undefined && hedging.delayMs !== "p95") checkNumbers("hedging", hedging, ["delayMs"]);
  checkNumbers("circuitBreaker", breakerOptions, ["consecutiveFailures", "failureRate", "minimumCalls", "windowMs", "openMs", "halfOpenProbes"]);
  checkNumbers("fallback", fallback, ["reserveMs"]);
  if (batching && batching.maxBatchSize !== undefined && batching.maxBatchSize < 1) {
    throw invalidArgument("batching.maxBatchSize", "must be at least 1");
  }
  checkSnapshots(breakerOptions);
  const telemetry = checkTelemetry(options.telemetry);

  // The cache and metrics are built last, so option errors come in the same order as ever.
  const base = createCacheMetricsLayers(cacheOptions, { timeoutMs: options.timeoutMs, waitUntil: options.waitUntil }, options.onEvent, telemetry);
  const { metrics, now } = base;
  const emit = (event: ClientEvent) => metrics.emit(event);
  const breakers: Partial<Record<ServiceName, CircuitBreaker>> = {};

  return {
    layers(service, pool, endpoint) {
      const prediction = service === "prediction";
      // Shared by the retry and hedging layers of the service.
      const budget = new RetryBudget(retry ? retry.budget : undefined);
      return {
        ...base.layers(service, prediction ? createPredictionCacheTransport : createStorageCacheTransport, pool, endpoint),
        fallback: fallback && prediction ? (next) => createFallbackTransport(next, fallback, metrics, now) : undefined,
        batching: batching && prediction ? (next) => createMicroBatchTransport(next, batching, metrics, now) : undefined,
        circuitBreaker:
          breakerOptions &&
          ((next) => {
            const breaker = new CircuitBreaker(service, breakerOptions, emit);
            breakers[service] = breaker;
            return createCircuitBreakerTransport(next, breaker);
          }),
        hedging: hedging && prediction ? (next) => createHedgingTransport(next, hedging, budget, metrics, now) : undefined,
        retry: retry && ((next) => createRetryTransport(next, retry, budget, metrics, service, now)),
      };
    },
    metrics() {
      const breaker: Partial<Record<ServiceName, CircuitState>> = {};
      for (const [service, b] of Object.entries(breakers)) breaker[service as ServiceName] = b.current();
      return base.snapshot(breaker);
    },
    circuitBreakerState() {
      const state: Partial<Record<ServiceName, CircuitBreakerSnapshot>> = {};
      for (const [service, b] of Object.entries(breakers)) state[service as ServiceName] = b.snapshot();
      return state;
    },
  };
}

function checkNumbers(name: string, options: object | undefined, fields: string[]): void {
  if (options === undefined) return;
  for (const field of fields) {
    const v = (options as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw invalidArgument(`${name}.${field}`, "must be a finite number, 0 or more");
    }
  }
}

function checkSnapshots(options: CircuitBreakerOptions | undefined): void {
  const initial = options?.initialState;
  if (initial === undefined) return;
  if (initial === null || typeof initial !== "object") throw invalidArgument("circuitBreaker.initialState", "must be an object");
  for (const [service, snapshot] of Object.entries(initial)) {
    const field = `circuitBreaker.initialState.${service}`;
    if (service !== "prediction" && service !== "storage") throw invalidArgument(field, "is not a service (prediction, storage)");
    if (snapshot === undefined) continue;
    if (snapshot === null || typeof snapshot !== "object") throw invalidArgument(field, "must be a saved breaker state");
    if (!["closed", "open", "half-open"].includes(snapshot.state)) throw invalidArgument(`${field}.state`, "must be closed, open or half-open");
    if (!Number.isFinite(snapshot.openedAtMs)) throw invalidArgument(`${field}.openedAtMs`, "must be a number");
    if (!Array.isArray(snapshot.window)) throw invalidArgument(`${field}.window`, "must be an array");
  }
}
