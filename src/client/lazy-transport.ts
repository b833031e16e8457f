import { Code, ConnectError } from "@connectrpc/connect";
import type { ManagedTransport } from "./runtime-platform.js";

/**
 * A transport whose code is loaded when it is created, in the background
 * (a dynamic `import()` in `load`), instead of when the SDK is imported: a
 * client that never uses it never loads it, and importing the SDK stays
 * cheap. Node's HTTP/2 stack (connect-node, `node:http2`) loads this way,
 * only for `http(s)://` endpoints.
 *
 * `ready` settles when the load is done. The client holds calls until then
 * above its deadline, so the wait is not part of any call's deadline (see
 * `createReadyGateTransport`); `warmup()` waits for it too. Calls that reach
 * this transport earlier wait here as well. `close()` before the load is done
 * closes the transport as soon as it exists. A load that fails (a missing
 * file in a broken install) fails every call and `warmup()` with `Internal`.
 */
export function createLazyTransport(load: () => Promise<ManagedTransport>): ManagedTransport {
  let inner: ManagedTransport | undefined;
  let closed = false;
  const ready = load().then(
    (transport) => {
      inner = transport;
      if (closed) return transport.close();
    },
    (e: unknown) => {
      throw new ConnectError(`the transport's code did not load: ${e instanceof Error ? e.message : String(e)}`, Code.Internal, undefined, undefined, e);
    },
  );
  // Reported by the calls and warmup() that wait on it, never as an unhandled rejection.
  ready.catch(() => {});
  return {
    ready,
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (inner !== undefined) return inner.unary(method, signal, timeoutMs, header, input, contextValues);
      return ready.then(() => inner!.unary(method, signal, timeoutMs, header, input, contextValues));
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      if (inner !== undefined) return inner.stream(method, signal, timeoutMs, header, input, contextValues);
      return ready.then(() => inner!.stream(method, signal, timeoutMs, header, input, contextValues));
    },
    async warmup() {
      await ready;
      await inner!.warmup?.();
    },
    async close() {
      closed = true;
      if (inner !== undefined) return inner.close();
      // Closed by the load's own continuation above, once the transport exists.
      return ready.catch(() => {});
    },
  };
}
