/**
 * The layers of a client, outermost first: the one order both client
 * factories stack in (a call runs down it to the wire; its answer comes back
 * up). Each factory supplies the layers it has (`createPredictionClient` has
 * no fallback, batching, breaker, hedging or retry, and leaves their code out
 * of its bundle); a layer that is off is skipped, its position stays.
 *
 * - `validation`: a bad request is `InvalidArgument`, nothing below runs.
 * - `readyGate`: while the transport's code is still loading (the HTTP/2
 *   stack on Node, loaded on first use), calls wait here, so the deadline
 *   below does not count the load.
 * - `defaultDeadline`: `timeoutMs` for unary calls without their own.
 * - `closedGuard`: after `close()`, `FailedPrecondition` (checked again just
 *   above the wire).
 * - `callTelemetry`: one span per call (with `telemetry`).
 * - `metrics`: per-method latency and counts; errors take their final form.
 * - `cache`: the response cache.
 * - `fallback`: the local baseline model (prediction only).
 * - `batching`: micro-batching of `PredictLTV` (prediction only).
 * - `circuitBreaker`: one breaker per service.
 * - `hedging`: a second request after a delay (prediction only).
 * - `retry`: retries of failed attempts; never of writes.
 * - `attemptTelemetry`: trace context on each attempt's headers (with `telemetry`, HTTP).
 *
 * @public
 */
export const layerPositions = [
  "validation",
  "readyGate",
  "defaultDeadline",
  "closedGuard",
  "callTelemetry",
  "metrics",
  "cache",
  "fallback",
  "batching",
  "circuitBreaker",
  "hedging",
  "retry",
  "attemptTelemetry",
] as const;

/**
 * The name of a position in {@link layerPositions}.
 *
 * @public
 */
export type LayerPosition = (typeof layerPositions)[number];
