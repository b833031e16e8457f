import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { codeOf } from "./call-errors.js";
import type { CircuitBreaker } from "./circuit-breaker.js";

/**
 * The error of a call refused by an open circuit breaker: `Unavailable`,
 * sent nowhere. The fallback layer answers predictions refused this way.
 *
 * @public
 */
export class CircuitOpenError extends ConnectError {
  constructor(service: string) {
    super(`${service}: circuit breaker is open, call not sent`, Code.Unavailable);
    this.name = "CircuitOpenError";
    refusals.add(this);
  }

  /**
   * Whether `e` is a refusal of an open breaker. Use this, not `instanceof`:
   * `ConnectError` overrides `instanceof` so that every `ConnectError`
   * matches every subclass.
   */
  static is(e: unknown): e is CircuitOpenError {
    return typeof e === "object" && e !== null && refusals.has(e as CircuitOpenError);
  }
}

const refusals = new WeakSet<CircuitOpenError>();

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
