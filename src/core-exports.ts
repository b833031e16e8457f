// The API every entry point shares; each entry adds its runtime's createClient, createPredictionClient and createTcpTransport.
export type { SyncValueClient } from "./client/create-client.js";
export type { PredictionClient, PredictionClientMetricsSnapshot } from "./client/create-prediction-client.js";
export type { PredictionClientOptions } from "./client/prediction-client-options.js";
export { warmupDefaults, type WarmupOptions } from "./client/warmup-options.js";
export {
  clientDefaults,
  type ClientOptions,
  type Endpoint,
  type EndpointOptions,
  type EndpointTransport,
  type TcpEndpointOptions,
  type Http2KeepaliveOptions,
  type ServiceProtocol,
} from "./client/client-options.js";
export { validationLimits, type ValidationLimits } from "./validation/validation-limits.js";
export * from "./gen/syncvalue/v1/syncvalue_pb.js";
export * from "./gen/sutra/storage/storage_pb.js";
export { Code, ConnectError } from "@connectrpc/connect";
export { PLATFORMS, toPlatform, type Platform } from "./model/platforms.js";
// The layer stack, cache, batching, resilience and metrics: per-call controls, option types, defaults.
export {
  backgroundWaitUntil,
  cacheControl,
  cacheDefaults,
  type CacheControl,
  type CacheOptions,
  type CacheableStorageRead,
  sharedPredictionCache,
  type SharedPredictionCache,
  type WaitUntil,
} from "./cache/index.js";
export {
  CircuitOpenError,
  fallbackDefaults,
  hedgingDefaults,
  layerPositions,
  microBatchDefaults,
  retryDefaults,
  type FallbackOptions,
  type HedgingOptions,
  type Layer,
  type LayerInsertion,
  type LayerPosition,
  type MicroBatchOptions,
  type RetryOptions,
} from "./layers/index.js";
export {
  allowFallback,
  circuitBreakerDefaults,
  retryBudgetDefaults,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
  type RetryBudgetOptions,
} from "./resilience/index.js";
export type {
  ClientEvent,
  ClientMetricsSnapshot,
  FallbackReason,
  MethodMetrics,
  MisconfigurationReason,
  PoolStats,
  ServiceName,
} from "./metrics/index.js";
// The hook of tracing integrations (syncvalue/otel implements it).
export type { CacheOutcome, CallNotes } from "./metrics/call-notes.js";
export type { ClientTelemetry, TelemetryTarget, WireTransport } from "./client/client-telemetry.js";
// The raw TCP transport's types and constants; each entry adds its build's createTcpTransport.
// Not through tcp/index.js: that would load the whole transport (and msgpackr) with the SDK.
export type { TcpTransport } from "./tcp/tcp-transport.js";
export type { TcpTransportOptions, TcpPoolOptions } from "./tcp/tcp-transport-options.js";
export type { ConnectionPoolStats } from "./tcp/connection-pool.js";
export { defaultTcpPort } from "./tcp/tcp-url.js";
export { defaultMaxFrameBytes } from "./tcp/frame-codec.js";
export type { SocketConnector, SocketConnectOptions, SocketEvents, RuntimeSocket, SocketTlsOptions } from "./tcp/socket/runtime-socket.js";
// The lean unary Connect / gRPC-web transport over fetch, usable with any Connect client.
export { createFetchTransport } from "./web/create-fetch-transport.js";
export { fetchTransportDefaults, type FetchTransportOptions } from "./web/fetch-transport-options.js";
