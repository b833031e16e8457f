import type { Code } from "@connectrpc/connect";

/** Which service (and so which endpoint) an event or a breaker belongs to. */
export type ServiceName = "prediction" | "storage";

/**
 * Something the client's resilience layers did, delivered to the `onEvent`
 * option of `createClient`. The callback runs synchronously on the call path:
 * keep it cheap. Whatever it throws is ignored.
 *
 * - `retry`: a failed attempt of an idempotent call is retried after `delayMs`.
 * - `hedge`: a second `predictLTV` attempt was started after `delayMs`.
 * - `break`: the service's circuit breaker opened (`reason` says which rule).
 * - `half-open`: the open period is over; the next calls probe the service.
 * - `close`: a probe succeeded; the breaker is closed again.
 * - `fallback`: `predictLTV` was answered locally with status `FALLBACK`.
 *
 * @public
 */
export type ClientEvent =
  | { type: "retry"; service: ServiceName; method: string; attempt: number; delayMs: number; code: Code }
  | { type: "hedge"; service: ServiceName; method: string; delayMs: number }
  | { type: "break"; service: ServiceName; reason: "consecutive-failures" | "failure-rate" | "probe-failed" }
  | { type: "half-open"; service: ServiceName }
  | { type: "close"; service: ServiceName }
  | { type: "fallback"; service: ServiceName; method: string; reason: FallbackReason; code?: Code };

/**
 * Why a prediction was answered by the local fallback model:
 * - `circuit-open`: the prediction endpoint's breaker is open (or busy probing);
 * - `deadline`: less than `fallback.reserveMs` of the call's deadline was left;
 * - `error`: the call failed with one of `fallback.codes`.
 *
 * @public
 */
export type FallbackReason = "circuit-open" | "deadline" | "error";
