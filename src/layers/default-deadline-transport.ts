import type { Transport } from "@connectrpc/connect";
import { callError } from "../call/call-errors.js";
import { effectiveTimeout } from "../call/deadline.js";

/**
 * Applies the client's default deadline to unary calls with Connect's own
 * rule: `timeoutMs` undefined takes the default, `<= 0` means no deadline.
 * Streams get no default: a bidi stream lives for as long as its caller feeds
 * it, so only an explicit per-call `timeoutMs` bounds it.
 *
 * A unary call's error takes its final form (`callError`: always a
 * `ConnectError`, a passed deadline naming the method and the deadline) in
 * the per-method metrics layer just below, which has an error path on every
 * call anyway; a stream's, here.
 */
export function createDefaultDeadlineTransport(next: Transport, defaultTimeoutMs: number): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      return next.unary(method, signal, effectiveTimeout(timeoutMs, defaultTimeoutMs), header, input, contextValues);
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = effectiveTimeout(timeoutMs, undefined);
      return next.stream(method, signal, timeout, header, input, contextValues).then(undefined, (e: unknown) => {
        throw callError(e, method.name, timeout);
      });
    },
  };
}
