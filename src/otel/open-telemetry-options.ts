import type { MeterProvider, TextMapPropagator, TracerProvider } from "@opentelemetry/api";

/**
 * Which version of OpenTelemetry's RPC semantic conventions the spans and
 * the duration histogram follow:
 *
 * - `"stable"`: the current conventions (semconv 1.38 and later):
 *   `rpc.system.name` (`grpc`, `connectrpc`), `rpc.method`
 *   (`syncvalue.v1.SyncValueService/PredictLTV`), `rpc.response.status_code`
 *   (`OK`, `DEADLINE_EXCEEDED`; Connect's lowercase codes on Connect errors),
 *   `error.type`, and the histogram `rpc.client.call.duration` in seconds.
 * - `"legacy"`: semconv 1.37 and earlier, as Connect-Go's otelconnect and
 *   most existing dashboards use them: `rpc.system` (`grpc`, `connect_rpc`),
 *   `rpc.service`, `rpc.method` (`PredictLTV`), `rpc.grpc.status_code`
 *   (a number) or `rpc.connect_rpc.error_code`, and the histogram
 *   `rpc.client.duration` in milliseconds.
 *
 * Both carry `server.address`, `server.port` and the `syncvalue.*` attributes.
 *
 * @public
 */
export type RpcSemanticConventions = "stable" | "legacy";

/**
 * Options of {@link openTelemetry}.
 *
 * @public
 */
export interface OpenTelemetryOptions {
  /**
   * Where spans go. Default: the global tracer provider
   * (`trace.getTracerProvider()`), also when it is registered later.
   */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the global meter provider
   * (`metrics.getMeterProvider()`), as registered when the client makes its
   * first call.
   */
  meterProvider?: MeterProvider;
  /**
   * What puts the trace context on HTTP requests (`traceparent` with the
   * W3C propagator). Default: the global propagator (`propagation`), which
   * sends nothing until one is registered. The raw TCP binding has no
   * headers: nothing is propagated there.
   */
  propagator?: TextMapPropagator;
  /** Which RPC semantic conventions to follow. Default `"stable"`. */
  semanticConventions?: RpcSemanticConventions;
}

/**
 * The defaults of {@link OpenTelemetryOptions}, and the name under which
 * spans and metrics are recorded (the instrumentation scope).
 *
 * @public
 */
export const openTelemetryDefaults = {
  semanticConventions: "stable",
  instrumentationScope: "syncvalue",
} as const;
