import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { codeOf } from "../call/call-errors.js";
import type { CircuitBreaker } from "../resilience/circuit-breaker.js";

/**
 * The error of a call refused by an open circuit breaker: `Unavailable`,
 * sent nowhere. The fallback layer answers predictions refused this way.
 *
 * It is a plain `ConnectError` to every caller: its `name` stays
 * `"ConnectError"`, so `e instanceof ConnectError` holds and
 * `ConnectError.from(e)` returns it as is (Connect recognises its errors by
 * that name). What sets it apart is {@link CircuitOpenError.circuitOpen}, which
 * `instanceof CircuitOpenError` reads: true for a refusal only, never for
 * another `ConnectError`, and across copies of this package.
 *
 * @example
 * ```ts
 * try {
 *   await client.storage.getStats({});
 * } catch (e) {
 *   if (e instanceof CircuitOpenError) console.log(`${e.service}: breaker open, nothing sent`);
 *   else throw ConnectError.from(e);
 * }
 * ```
 * @public
 */
export class CircuitOpenError extends ConnectError {
  /** Always `true`: marks a refusal of an open breaker (what `instanceof CircuitOpenError` checks). */
  readonly circuitOpen = true as const;
  /** The service whose breaker refused the call. */
  readonly service: string;

  constructor(service: string) {
    super(`${service}: circuit breaker is open, call not sent`, Code.Unavailable);
    this.service = service;
  }

  /**
   * `instanceof CircuitOpenError`: a refusal of an open breaker, and nothing
   * else. Without this, the `Symbol.hasInstance` inherited from
   * `ConnectError` would accept every `ConnectError`.
   */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return CircuitOpenError.is(v);
  }

  /** Whether `e` is a refusal of an open breaker; the same test as `instanceof CircuitOpenError`. */
  static is(e: unknown): e is CircuitOpenError {
    return typeof e === "object" && e !== null && (e as { circuitOpen?: unknown }).circuitOpen === true && e instanceof ConnectError;
  }
}

/**
 * Guards every unary call of one endpoint with its {@link CircuitBreaker}:
 * refused calls reject with {@link CircuitOpenError} at once, the outcome of
 * the others feeds the breaker. Streams are not guarded: a long-lived stream
 * is no evidence either way.
 */
export function createCircuitBreakerTransport(next: Transport, breaker: CircuitBreaker): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (!breaker.tryAcquire()) return Promise.reject(new CircuitOpenError(breaker.service));
      return next.unary(method, signal, timeoutMs, header, input, contextValues).then(
        (response) => {
          breaker.onSuccess();
          return response;
        },
        (e: unknown) => {
          breaker.onOutcome(e, codeOf(e));
          throw e;
        },
      );
    },
    stream: (...args) => next.stream(...args),
  };
}
