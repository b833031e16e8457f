import type { Client } from "@connectrpc/connect";
import { createPredictionCacheTransport } from "../layers/prediction-cache-transport.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetricsSnapshot } from "../metrics/client-metrics.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { predictionRequestValidators } from "../validation/prediction-request-validators.js";
import { createCacheMetricsLayers } from "./cache-metrics-layers.js";
import { createClientBase } from "./client-base.js";
import { checkTelemetry } from "./client-telemetry.js";
import { featureOption } from "./feature-option.js";
import { predictionClientOptionNames, type PredictionClientOptions } from "./prediction-client-options.js";
import type { RuntimePlatform } from "./runtime-platform.js";
import { refuseUnknownOptions } from "./unknown-options.js";
import type { WarmupOptions } from "./warmup-options.js";
import { createServiceClientOn } from "./unary-method.js";

/**
 * What {@link PredictionClient.metrics} reports: per-method latency and
 * counts, the cache's counters, and pool statistics of a pooled (raw TCP)
 * transport.
 *
 * @public
 */
export type PredictionClientMetricsSnapshot = Pick<ClientMetricsSnapshot, "methods" | "cache" | "pool">;

/**
 * A client of the prediction service alone, created by
 * {@link createPredictionClient}: validation, the default deadline and the
 * response cache, and none of `createClient`'s retries, hedging, circuit
 * breaker, micro-batching or local fallback.
 *
 * @public
 */
export interface PredictionClient {
  /** The prediction service: `predictLTV`, `predictLTVBatch`, `predictLTVStream`, `getModelHealth`. */
  readonly prediction: Client<typeof SyncValueService>;
  /**
   * Verifies the endpoint: connects, then makes one `GetModelHealth` round
   * trip; rejects with the failure's code and a message naming the endpoint,
   * and after `close()` with `FailedPrecondition`. As `SyncValueClient.warmup`;
   * see {@link WarmupOptions}.
   */
  warmup(options?: WarmupOptions): Promise<void>;
  /**
   * Ends every connection and timer. Calls made afterwards fail with
   * `FailedPrecondition`, cached answers included.
   */
  close(): Promise<void>;
  /** A snapshot of the client's counters; see {@link PredictionClientMetricsSnapshot}. */
  metrics(): PredictionClientMetricsSnapshot;
}

/** Builds a prediction-only client on the given runtime's transports; see `createPredictionClient`. */
export function createPredictionClientOn(platform: RuntimePlatform, options: PredictionClientOptions): PredictionClient {
  // A non-object is left to the base's check, which names it.
  if (options !== null && typeof options === "object") {
    refuseUnknownOptions(options, predictionClientOptionNames, "", " of createPredictionClient: for retries, the breaker, the fallback, batching, events or storage, use createClient");
    if (options.tcpTransport !== undefined && typeof options.tcpTransport !== "function") {
      throw invalidArgument("tcpTransport", "must be createTcpTransport (exported by syncvalue)");
    }
  }
  const base = createClientBase(platform, options);
  const cacheOptions = featureOption(options.cache, "cache", true);
  const storageReads: unknown = cacheOptions?.storageReads;
  if (storageReads !== undefined && !(Array.isArray(storageReads) && storageReads.length === 0)) {
    throw invalidArgument("cache.storageReads", "createPredictionClient has no storage service; use createClient");
  }
  const layers = createCacheMetricsLayers(
    cacheOptions,
    { timeoutMs: options.timeoutMs, waitUntil: options.waitUntil },
    undefined,
    checkTelemetry(options.telemetry),
  );
  if (options.endpoint === undefined) throw invalidArgument("endpoint", "is required: a URL string or { url, ... }");
  const { endpoint } = base.resolve({ endpoint: options.endpoint });
  const transport = base.connect(endpoint!, { service: "prediction", health: SyncValueService.method.getModelHealth });
  const stack = base.stack(transport, predictionRequestValidators, layers.layers("prediction", createPredictionCacheTransport, transport, endpoint!));
  return {
    prediction: createServiceClientOn(platform, SyncValueService, stack),
    warmup: base.warmup,
    close: base.close,
    metrics() {
      const { methods, cache, pool } = layers.snapshot({});
      return { methods, cache, pool };
    },
  };
}
