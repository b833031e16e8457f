import type { Transport } from "@connectrpc/connect";

/**
 * A layer that sends every call to `closed` once `isClosed()` says so (a
 * transport that fails with `FailedPrecondition`), to `next` before. Checked
 * per call rather than swapping transports: a client may be closed while
 * calls are being made from other async contexts.
 */
export function createClosedGuardTransport(next: Transport, isClosed: () => boolean, closed: Transport): Transport {
  return {
    // Named parameters: a rest array per call is garbage on the cache-hit path.
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      (isClosed() ? closed : next).unary(method, signal, timeoutMs, header, input, contextValues),
    stream: (...args) => (isClosed() ? closed : next).stream(...args),
  };
}
