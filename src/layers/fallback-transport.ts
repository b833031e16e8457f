import { create, isMessage, type DescMethod, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import {
  LTVPredictionRequestSchema,
  PredictionStatus,
  SyncValueService,
  type LTVPredictionRequest,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { FallbackReason, MisconfigurationReason } from "../metrics/client-event.js";
import { callNotesOf } from "../metrics/call-notes.js";
import { allowFallback } from "../resilience/allow-fallback.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { predictBaselineLtv } from "../model/baseline-ltv-model.js";
import { codeOf } from "../call/call-errors.js";
import { CircuitOpenError } from "./circuit-breaker-transport.js";

/**
 * Options of the local fallback for `predictLTV` (`createClient({ fallback })`).
 * A fallback answer comes from the embedded baseline model (the reference
 * server's default model, `predictBaselineLtv`) over the request's event
 * history, with status `FALLBACK`; it is counted, reported through `onEvent`,
 * and never cached.
 *
 * @public
 */
export interface FallbackOptions {
  /**
   * Answer locally once less than this much of the call's deadline is left
   * (the real call is then cancelled), so the caller gets an answer within
   * its deadline rather than `DeadlineExceeded`. Default 5 ms. Calls without
   * a deadline never take this path.
   */
  reserveMs?: number;
  /**
   * Also answer locally when the call fails with one of these codes (after
   * retries). Default `[Unavailable, DeadlineExceeded, ResourceExhausted]`.
   * An open circuit breaker always falls back.
   */
  codes?: Code[];
}

/** Defaults of {@link FallbackOptions}. @public */
export const fallbackDefaults = {
  reserveMs: 5,
  codes: [Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted] as readonly Code[],
} as const;

/**
 * Answers `predictLTV` with the baseline model when the breaker refuses the
 * call, when the deadline is about to pass, or when the call fails with a
 * fallback code. Other methods pass through.
 *
 * It never hides a configuration error silently: an answer given for
 * `Unauthenticated` or `PermissionDenied`, or while the endpoint has never
 * answered a call (refused, unresolvable, closed on us, breaker opened by
 * such failures), is preceded by a `misconfiguration` event. "Answered" is
 * any response, or any error but `Unavailable`, `DeadlineExceeded` and
 * `Canceled`, on any method of the endpoint.
 */
export function createFallbackTransport(
  next: Transport,
  options: FallbackOptions,
  metrics: ClientMetrics,
  now: () => number,
): Transport {
  const reserveMs = options.reserveMs ?? fallbackDefaults.reserveMs;
  const codes = new Set(options.codes ?? fallbackDefaults.codes);
  // Whether the endpoint ever answered; until it does, the last failure that said why not.
  let reached = false;
  let lastFailure = "";
  const observe = (e: unknown, code: Code) => {
    if (reached) return;
    if (code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.Canceled) {
      if (!CircuitOpenError.is(e) && code !== Code.Canceled) lastFailure = ConnectError.from(e).rawMessage;
      return;
    }
    reached = true;
  };
  const misconfiguration = (
    reason: FallbackReason,
    code: Code | undefined,
    error: unknown,
  ): { why: MisconfigurationReason; code: Code; message: string } | undefined => {
    if (code === Code.Unauthenticated) return { why: "unauthenticated", code, message: ConnectError.from(error).rawMessage };
    if (code === Code.PermissionDenied) return { why: "permission-denied", code, message: ConnectError.from(error).rawMessage };
    if (reached || !(reason === "circuit-open" || code === Code.Unavailable)) return undefined;
    const message = `the endpoint has not answered a call since the client was created${lastFailure ? `; last error: ${lastFailure}` : ""}`;
    return { why: "unreachable", code: Code.Unavailable, message };
  };

  /** The local answer to `predictLTV(input)`, for `reason`. */
  const answer = (
    method: DescMethodUnary,
    input: unknown,
    contextValues: ContextValues | undefined,
    reason: FallbackReason,
    code?: Code,
    error?: unknown,
  ): UnaryResponse => {
    const hidden = misconfiguration(reason, code, error);
    if (hidden !== undefined) {
      const { why, message } = hidden;
      metrics.emit({ type: "misconfiguration", service: "prediction", method: method.localName, reason: why, code: hidden.code, message });
    }
    const request: LTVPredictionRequest = isMessage(input, LTVPredictionRequestSchema)
      ? input
      : create(LTVPredictionRequestSchema, input as MessageInitShape<typeof LTVPredictionRequestSchema>);
    const started = now();
    const message = predictBaselineLtv(request);
    message.status = PredictionStatus.FALLBACK;
    message.timestampMs = BigInt(Date.now());
    message.inferenceTimeUs = BigInt(Math.round((now() - started) * 1000));
    message.errorMessage = `answered by the local baseline model: ${describe(reason)}`;
    metrics.emit({ type: "fallback", service: "prediction", method: method.localName, reason, code });
    const notes = callNotesOf(contextValues);
    if (notes !== undefined) notes.fallback = reason;
    return { stream: false, service: SyncValueService, method, header: new Headers(), trailer: new Headers(), message };
  };

  const onResponse = <R>(response: R): R => {
    reached = true;
    return response;
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if ((method as DescMethod) !== SyncValueService.method.predictLTV || contextValues?.get(allowFallback) === false) {
        const call = next.unary(method, signal, timeoutMs, header, input, contextValues);
        if (reached) return call;
        return call.then(
          onResponse,
          (e: unknown) => {
            observe(e, codeOf(e));
            throw e;
          },
        );
      }
      // The real call gets the deadline minus the reserve as its own: when that passes, the
      // layers below cancel it (DeadlineExceeded) and the answer is local. No timer, abort
      // controller or promise of this layer's own per call.
      const reserveDeadline = timeoutMs === undefined ? undefined : timeoutMs - reserveMs;
      if (reserveDeadline !== undefined && reserveDeadline <= 0) {
        // Less time than the reserve from the start: nothing to send.
        try {
          return Promise.resolve(answer(method, input, contextValues, "deadline") as never);
        } catch (e) {
          return Promise.reject(e);
        }
      }
      const started = reserveDeadline === undefined ? 0 : now();
      return next.unary(method, signal, reserveDeadline, header, input, contextValues).then(onResponse, (e: unknown) => {
        const code = codeOf(e);
        observe(e, code);
        if (signal?.aborted) throw e;
        if (CircuitOpenError.is(e)) return answer(method, input, contextValues, "circuit-open") as never;
        // The reserve deadline, not a server's or an earlier one (timers may run up to 1 ms early).
        if (code === Code.DeadlineExceeded && reserveDeadline !== undefined && now() - started >= reserveDeadline - 1) return answer(method, input, contextValues, "deadline") as never;
        if (codes.has(code)) return answer(method, input, contextValues, "error", code, e) as never;
        throw e;
      });
    },
    stream: (...args) => next.stream(...args),
  };
}

function describe(reason: FallbackReason): string {
  switch (reason) {
    case "circuit-open":
      return "the prediction endpoint's circuit breaker is open";
    case "deadline":
      return "the deadline was about to pass";
    case "error":
      return "the prediction call failed";
  }
}
