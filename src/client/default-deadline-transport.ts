import type { Transport } from "@connectrpc/connect";
import { callError } from "../resilience/call-errors.js";

/**
 * Applies the client's default deadline to unary calls with Connect's own
 * rule: `timeoutMs` undefined takes the default, `<= 0` means no deadline.
 * Streams get no default: a bidi stream lives for as long as its caller feeds
 * it, so only an explicit per-call `timeoutMs` bounds it.
 *
 * It is also where a unary call's error takes its final form (see
 * `callError`): always a `ConnectError`, and a passed deadline names the
 * method and the deadline, whichever layer or transport noticed it.
 */
export function createDefaultDeadlineTransport(next: Transport, defaultTimeoutMs: number): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = effectiveTimeout(timeoutMs, defaultTimeoutMs);
      return next.unary(method, signal, timeout, header, input, contextValues).then(undefined, (e: unknown) => {
        throw callError(e, method.name, timeout);
      });
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = effectiveTimeout(timeoutMs, undefined);
      return next.stream(method, signal, timeout, header, input, contextValues).then(undefined, (e: unknown) => {
        throw callError(e, method.name, timeout);
      });
    },
  };
}

function effectiveTimeout(timeoutMs: number | undefined, fallback: number | undefined): number | undefined {
  if (timeoutMs === undefined) return fallback;
  return timeoutMs <= 0 ? undefined : timeoutMs;
}
