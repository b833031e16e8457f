import type { Transport } from "@connectrpc/connect";

/**
 * A layer that sends every call to `closed` once `isClosed()` says so (a
 * transport that fails with `FailedPrecondition`), to `next` before. Checked
 * per call rather than swapping transports: a client may be closed while
 * calls are being made from other async contexts.
 */
export function createClosedGuardTransport(next: Transport, isClosed: () => boolean, closed: Transport): Transport {
  return {
    unary: (...args) => (isClosed() ? closed : next).unary(...args),
    stream: (...args) => (isClosed() ? closed : next).stream(...args),
  };
}
