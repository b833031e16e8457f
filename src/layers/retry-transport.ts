import { Code, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import type { ServiceName } from "../metrics/client-event.js";
import { callNotesOf, type CallNotes } from "../metrics/call-notes.js";
import { fullJitterBackoffMs } from "../call/backoff.js";
import { canceledBy, codeOf } from "../call/call-errors.js";
import { isIdempotent } from "../resilience/idempotent-methods.js";
import { isNotProcessed } from "../resilience/not-processed.js";
import type { RetryBudget, RetryBudgetOptions } from "../resilience/retry-budget.js";

/**
 * Options of automatic retries (`createClient({ retry })`). Only idempotent
 * calls are retried: every prediction call and storage read, never
 * `LearnConcept`, `LearnAssociation` or `Flush`, unless the server refused
 * the call unprocessed (HTTP/2 `REFUSED_STREAM`). Streams are never retried.
 *
 * @public
 */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. */
  maxAttempts?: number;
  /** Codes worth another attempt. Default `[Unavailable, ResourceExhausted, Aborted]`. */
  retryableCodes?: Code[];
  /** Backoff base: the first retry waits up to this long (full jitter). Default 5 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling. Default 50 ms. */
  maxDelayMs?: number;
  /**
   * A retry is only sent when at least this much of the call's deadline is
   * left after the backoff delay. Default 2 ms.
   */
  minAttemptMs?: number;
  /** Source of randomness in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * The retry budget shared by all calls of one endpoint (hedges draw on it
   * too); see {@link RetryBudgetOptions} for its defaults.
   */
  budget?: RetryBudgetOptions;
}

/** Defaults of {@link RetryOptions}. @public */
export const retryDefaults = {
  maxAttempts: 3,
  retryableCodes: [Code.Unavailable, Code.ResourceExhausted, Code.Aborted] as readonly Code[],
  baseDelayMs: 5,
  maxDelayMs: 50,
  minAttemptMs: 2,
} as const;

/**
 * Retries failed unary calls of idempotent methods (and of any method the
 * server refused unprocessed, see `isNotProcessed`) on retryable codes, with
 * exponential backoff and full jitter, inside the call's deadline (each
 * attempt gets what is left of it) and within the shared {@link RetryBudget}.
 */
export function createRetryTransport(
  next: Transport,
  options: RetryOptions,
  budget: RetryBudget,
  metrics: ClientMetrics,
  service: ServiceName,
  now: () => number,
): Transport {
  const maxAttempts = options.maxAttempts ?? retryDefaults.maxAttempts;
  const retryable = new Set(options.retryableCodes ?? retryDefaults.retryableCodes);
  const baseDelayMs = options.baseDelayMs ?? retryDefaults.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? retryDefaults.maxDelayMs;
  const minAttemptMs = options.minAttemptMs ?? retryDefaults.minAttemptMs;
  const random = options.random ?? Math.random;

  const onSuccess = <R>(response: R): R => {
    budget.onSuccess();
    return response;
  };

  /** Attempts after the first failed with `error`, while the failure is retryable and time and budget allow. */
  async function retryAfter(
    error: unknown,
    method: Parameters<Transport["unary"]>[0],
    signal: AbortSignal | undefined,
    header: HeadersInit | undefined,
    input: Parameters<Transport["unary"]>[4],
    contextValues: ContextValues | undefined,
    deadline: number,
    notes: CallNotes | undefined,
  ): Promise<UnaryResponse> {
    // A write is sent again only when the server provably did not process it (HTTP/2 REFUSED_STREAM).
    const idempotent = isIdempotent(method);
    let e = error;
    for (let attempt = 0; ; attempt++) {
      // `e` is how attempt number `attempt` failed.
      const code = codeOf(e);
      if (!retryable.has(code) || signal?.aborted || (!idempotent && !isNotProcessed(e))) throw e;
      budget.onFailure();
      if (attempt + 1 >= maxAttempts) throw e;
      if (!budget.canRetry()) {
        metrics.retriesThrottled++;
        throw e;
      }
      const delayMs = fullJitterBackoffMs(attempt, baseDelayMs, maxDelayMs, random);
      if (now() + delayMs + minAttemptMs > deadline) throw e;
      metrics.retries++;
      metrics.emit({ type: "retry", service, method: method.localName, attempt: attempt + 1, delayMs, code });
      await sleep(delayMs, signal);
      if (notes !== undefined) notes.attempts = attempt + 2;
      const remaining = deadline - now();
      try {
        const response = await next.unary(
          method,
          signal,
          remaining === Infinity ? undefined : Math.max(1, Math.floor(remaining)),
          header,
          input,
          contextValues,
        );
        budget.onSuccess();
        return response;
      } catch (err) {
        e = err;
      }
    }
  }

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (maxAttempts <= 1) return next.unary(method, signal, timeoutMs, header, input, contextValues);
      const deadline = timeoutMs === undefined ? Infinity : now() + timeoutMs;
      const notes = metrics.noting ? callNotesOf(contextValues) : undefined;
      if (notes !== undefined) notes.attempts = 1;
      // The first attempt without an async function around it: most calls need no retry,
      // and pay one .then here instead of an async frame and its promise.
      let first: ReturnType<typeof next.unary>;
      try {
        first = next.unary(method, signal, timeoutMs, header, input, contextValues);
      } catch (e) {
        first = Promise.reject(e);
      }
      return first.then(onSuccess, (e: unknown) => retryAfter(e, method, signal, header, input, contextValues, deadline, notes)) as never;
    },
    stream: (...args) => next.stream(...args),
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(canceledBy(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(canceledBy(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
