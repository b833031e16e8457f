import {
  Code,
  ConnectError,
  createClient as createConnectClient,
  type Client,
  type Transport,
} from "@connectrpc/connect";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { createValidatingTransport } from "../validation/validating-transport.js";
import type { ClientMetricsSnapshot, ServiceName } from "../metrics/index.js";
import { createClientLayers } from "../resilience/client-layers.js";
import type { CircuitBreakerSnapshot } from "../resilience/circuit-breaker.js";
import { checkAuthToken } from "./bearer-auth.js";
import { clientDefaults, type ClientOptions } from "./client-options.js";
import { createDefaultDeadlineTransport } from "./default-deadline-transport.js";
import { resolveEndpoint } from "./resolved-endpoint.js";
import type { ManagedTransport, RuntimePlatform, TransportContext } from "./runtime-platform.js";
import { createFailingTransport, createMissingEndpointTransport } from "./unavailable-transport.js";

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
  /** Opens pooled connections ahead of the first call (a no-op for HTTP). */
  warmup(): Promise<void>;
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

/** Builds a client on the given runtime's transports; see `createClient`. */
export function createClientOn(platform: RuntimePlatform, options: ClientOptions): SyncValueClient {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const timeoutMs = options.timeoutMs ?? clientDefaults.timeoutMs;
  // Timers cap at 2^31-1 ms; a longer delay fires at once (every call would time out).
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1) {
    throw invalidArgument("timeoutMs", "must be a positive number of milliseconds, at most 2147483647");
  }
  if (options.interceptors !== undefined && !Array.isArray(options.interceptors)) {
    throw invalidArgument("interceptors", "must be an array of interceptors");
  }
  let authToken: string | undefined;
  if (options.auth !== undefined) {
    checkAuthToken(options.auth);
    authToken = options.auth.token;
  }
  const context: TransportContext = { interceptors: options.interceptors ?? [], authToken };

  const layers = createClientLayers(options);
  // Resolve both endpoints before building anything, so a bad option leaves nothing open.
  const resolved = {
    prediction: options.prediction === undefined ? undefined : resolveEndpoint(options.prediction, "prediction", platform.defaultProtocol, platform.poolsSockets === true),
    storage: options.storage === undefined ? undefined : resolveEndpoint(options.storage, "storage", platform.defaultProtocol, platform.poolsSockets === true),
  };
  for (const service of ["prediction", "storage"] as const) {
    if (resolved[service]?.kind === "tcp" && !platform.createTcpTransport) {
      throw new ConnectError(`${service}: tcp:// endpoints need a runtime with sockets; use an http(s):// endpoint here`, Code.Unimplemented);
    }
  }
  const open: ManagedTransport[] = [];
  const build = (service: ServiceName): ManagedTransport | undefined => {
    const r = resolved[service];
    if (r === undefined) return undefined;
    const transport = r.kind === "http" ? platform.createHttpTransport(r, context) : platform.createTcpTransport!(r, context);
    open.push(transport);
    return transport;
  };

  let closed = false;
  const closedTransport = createFailingTransport("client is closed", Code.FailedPrecondition);
  const layer = (service: ServiceName, base: Transport | undefined) => {
    // A service without an endpoint is a configuration error, not an outage:
    // no cache, retry or local fallback may answer for it.
    if (base === undefined) return createValidatingTransport(createMissingEndpointTransport(service));
    const guarded = guardClosed(base, () => closed, closedTransport);
    // Cache, batching and resilience sit below the deadline (they see each call's
    // effective timeout) and are guarded too, so a closed client serves no cache hit.
    const features = guardClosed(layers.wrap(service, guarded, base), () => closed, closedTransport);
    return createValidatingTransport(createDefaultDeadlineTransport(features, timeoutMs));
  };
  const predictionTransport = build("prediction");
  const storageTransport = build("storage");

  return {
    prediction: createConnectClient(SyncValueService, layer("prediction", predictionTransport)),
    storage: createConnectClient(StorageService, layer("storage", storageTransport)),
    metrics: () => layers.metrics(),
    circuitBreakerState: () => layers.circuitBreakerState(),
    async warmup() {
      await Promise.all(open.map((t) => t.warmup?.()));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(open.map((t) => t.close()));
    },
  };
}

// Checked per call rather than swapping transports: a client may be closed
// while calls are being made from other async contexts.
function guardClosed(transport: Transport, isClosed: () => boolean, closedTransport: Transport): Transport {
  return {
    unary: (...args) => (isClosed() ? closedTransport : transport).unary(...args),
    stream: (...args) => (isClosed() ? closedTransport : transport).stream(...args),
  };
}
