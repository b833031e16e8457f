import type { DescMethod } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetricsSnapshot, ServiceName } from "../metrics/index.js";
import { createClientLayers } from "./client-layers.js";
import type { CircuitBreakerSnapshot } from "../resilience/circuit-breaker.js";
import { predictionRequestValidators } from "../validation/prediction-request-validators.js";
import type { RequestValidator } from "../validation/request-validator.js";
import { storageRequestValidators } from "../validation/storage-request-validators.js";
import { createValidatingTransport } from "../layers/validating-transport.js";
import { createClientBase } from "./client-base.js";
import { clientOptionNames, type ClientOptions } from "./client-options.js";
import type { RuntimePlatform } from "./runtime-platform.js";
import type { WarmupOptions } from "./warmup-options.js";
import { createMissingEndpointTransport } from "./unavailable-transport.js";
import { refuseUnknownOptions } from "./unknown-options.js";
import { createServiceClientOn } from "./unary-method.js";

/**
 * A client of both services, created by {@link createClient}.
 *
 * @public
 */
export interface SyncValueClient {
  /** The prediction service: `predictLTV`, `predictLTVBatch`, `predictLTVStream`, `getModelHealth`. */
  readonly prediction: Client<typeof SyncValueService>;
  /**
   * The storage service: `learnConcept`, `queryConcept`, `learnAssociation`,
   * `getNeighbors`, `findPath`, `vectorSearch`, `getStats`, `flush`, `healthCheck`.
   */
  readonly storage: Client<typeof StorageService>;
  /**
   * Verifies every configured endpoint, on every transport: connects (opening
   * the pooled connections of raw TCP and HTTP/2), then makes one health
   * round trip (`GetModelHealth`, storage `HealthCheck`), so a wrong address,
   * protocol, TLS setting or token fails here rather than at the first bid.
   * Rejects with the failure's own code (`Unavailable`, `Unauthenticated`,
   * `DeadlineExceeded`, ...) and a message naming the service and the
   * endpoint; after `close()`, with `FailedPrecondition`. A service without
   * an endpoint is skipped. The health answer's content is not judged: an
   * endpoint that answers is configured right. It also does the loading a
   * cold process would otherwise do during its first calls: on Node, the
   * HTTP/2 stack of http(s) endpoints (loaded in the background since
   * `createClient`) and the fetch implementation the first `ConnectError`
   * needs. See {@link WarmupOptions}.
   */
  warmup(options?: WarmupOptions): Promise<void>;
  /**
   * Ends every connection and timer. Calls made afterwards fail with
   * `FailedPrecondition`; a Node process with a closed (or idle) client exits.
   */
  close(): Promise<void>;
  /**
   * A snapshot of the client's counters: per-method latency (p50/p95/p99)
   * and counts, cache hits/misses/stale/coalesced, batches, retries, hedges,
   * breaker states, fallbacks, and pool statistics of pooled transports.
   */
  metrics(): ClientMetricsSnapshot;
  /**
   * The circuit breakers' state as JSON, to pass back as
   * `circuitBreaker.initialState` after a restart (a serverless cold start).
   */
  circuitBreakerState(): Partial<Record<ServiceName, CircuitBreakerSnapshot>>;
}

// What warmup() calls to prove each endpoint answers.
const healthMethods = {
  prediction: SyncValueService.method.getModelHealth,
  storage: StorageService.method.healthCheck,
} as const;

/** Builds a client on the given runtime's transports; see `createClient`. */
export function createClientOn(platform: RuntimePlatform, options: ClientOptions): SyncValueClient {
  // A non-object is left to the base's check, which names it.
  if (options !== null && typeof options === "object") refuseUnknownOptions(options, clientOptionNames);
  const base = createClientBase(platform, options);
  const layers = createClientLayers(options);
  // Resolve both endpoints before building anything, so a bad option leaves nothing open.
  const resolved = base.resolve({ prediction: options.prediction, storage: options.storage });
  const layer = (service: ServiceName, validators: ReadonlyMap<DescMethod, RequestValidator>) => {
    const endpoint = resolved[service];
    // A service without an endpoint is a configuration error, not an outage:
    // no cache, retry or local fallback may answer for it.
    if (endpoint === undefined) return createValidatingTransport(createMissingEndpointTransport(service), validators);
    const transport = base.connect(endpoint, { service, health: healthMethods[service] });
    return base.stack(transport, validators, layers.layers(service, transport, endpoint));
  };

  return {
    prediction: createServiceClientOn(platform, SyncValueService, layer("prediction", predictionRequestValidators)),
    storage: createServiceClientOn(platform, StorageService, layer("storage", storageRequestValidators)),
    metrics: () => layers.metrics(),
    circuitBreakerState: () => layers.circuitBreakerState(),
    warmup: base.warmup,
    close: base.close,
  };
}
