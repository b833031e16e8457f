import type { Code } from "@connectrpc/connect";

/**
 * State of a circuit breaker:
 * - `closed`: calls go through; outcomes are counted.
 * - `open`: calls fail at once (or get the fallback) until `openMs` passed.
 * - `half-open`: up to `halfOpenProbes` calls at a time probe the service;
 *   a probe success closes the breaker, a probe failure opens it again.
 *
 * @public
 */
export type CircuitState = "closed" | "open" | "half-open";

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
 * - `misconfiguration`: the fallback just answered for a failure that looks
 *   like a configuration error rather than an outage (see
 *   {@link MisconfigurationReason}); it comes right before that `fallback`
 *   event, and `metrics().misconfigurations` counts it.
 * - `shared-cache`: a lookup in the shared prediction cache (`cache.shared`)
 *   timed out or failed; its `keys` calls went on to the service.
 *
 * @public
 */
export type ClientEvent =
  | { type: "retry"; service: ServiceName; method: string; attempt: number; delayMs: number; code: Code }
  | { type: "hedge"; service: ServiceName; method: string; delayMs: number }
  | { type: "break"; service: ServiceName; reason: "consecutive-failures" | "failure-rate" | "probe-failed" }
  | { type: "half-open"; service: ServiceName }
  | { type: "close"; service: ServiceName }
  | { type: "fallback"; service: ServiceName; method: string; reason: FallbackReason; code?: Code }
  | { type: "misconfiguration"; service: ServiceName; method: string; reason: MisconfigurationReason; code: Code; message: string }
  | { type: "shared-cache"; outcome: "timeout" | "error"; keys: number; ms: number; message?: string };

/**
 * Why a failure the fallback hid looks like a configuration error:
 * - `unauthenticated`: the service refused the credentials (`Unauthenticated`:
 *   no token, a wrong or expired one);
 * - `permission-denied`: the service refused the caller (`PermissionDenied`);
 * - `unreachable`: the endpoint has not answered a single call since the
 *   client was created, and the call failed to reach it (`Unavailable`:
 *   connection refused, a host that does not resolve, a raw TCP server
 *   closing the connection of a client without its token) or its breaker
 *   opened. A wrong host or port looks like this, and so does a service that
 *   is not up yet.
 *
 * @public
 */
export type MisconfigurationReason = "unauthenticated" | "permission-denied" | "unreachable";

/**
 * Why a prediction was answered by the local fallback model:
 * - `circuit-open`: the prediction endpoint's breaker is open (or busy probing);
 * - `deadline`: less than `fallback.reserveMs` of the call's deadline was left;
 * - `error`: the call failed with one of `fallback.codes`.
 *
 * @public
 */
export type FallbackReason = "circuit-open" | "deadline" | "error";
