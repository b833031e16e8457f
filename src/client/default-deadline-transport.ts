import type { Transport } from "@connectrpc/connect";

/**
 * Applies the client's default deadline to unary calls with Connect's own
 * rule: `timeoutMs` undefined takes the default, `<= 0` means no deadline.
 * Streams get no default: a bidi stream lives for as long as its caller feeds
 * it, so only an explicit per-call `timeoutMs` bounds it.
 */
export function createDefaultDeadlineTransport(next: Transport, defaultTimeoutMs: number): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      return next.unary(method, signal, effectiveTimeout(timeoutMs, defaultTimeoutMs), header, input, contextValues);
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      return next.stream(method, signal, effectiveTimeout(timeoutMs, undefined), header, input, contextValues);
    },
  };
}

function effectiveTimeout(timeoutMs: number | undefined, fallback: number | undefined): number | undefined {
  if (timeoutMs === undefined) return fallback;
  return timeoutMs <= 0 ? undefined : timeoutMs;
}
