import type { Transport } from "@connectrpc/connect";
import { waitAsCaller } from "../call/caller-wait.js";

/**
 * Holds calls until `ready` settles (a transport whose code is still
 * loading, see `createLazyTransport`), then passes them on. It sits above the
 * default deadline and the resilience layers, so a call's deadline, its
 * retries' budget and the fallback's timer start only once the transport can
 * send: the load is not counted in the first calls' deadlines. The caller's
 * own abort signal still ends the wait (`Canceled`). Once `ready` has
 * settled, calls go straight through, with no promise of their own; a failed
 * load is reported by the transport below on every call.
 */
export function createReadyGateTransport(next: Transport, ready: Promise<void>): Transport {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  ready.then(settle, settle);
  // A failed load rejects `ready`; the call below reports it with its own error.
  const waitFor = (signal: AbortSignal | undefined) => waitAsCaller(ready.catch(() => {}), signal, undefined);
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (settled) return next.unary(method, signal, timeoutMs, header, input, contextValues);
      return waitFor(signal).then(() => next.unary(method, signal, timeoutMs, header, input, contextValues));
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      if (settled) return next.stream(method, signal, timeoutMs, header, input, contextValues);
      return waitFor(signal).then(() => next.stream(method, signal, timeoutMs, header, input, contextValues));
    },
  };
}
