export type { ClientEvent, FallbackReason, MisconfigurationReason, ServiceName } from "./client-event.js";
export { ClientMetrics, type ClientMetricsSnapshot, type MethodMetrics, type PoolStats } from "./client-metrics.js";
export { LatencyHistogram } from "./latency-histogram.js";
