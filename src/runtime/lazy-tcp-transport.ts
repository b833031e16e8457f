import { createLazyTransport } from "../client/lazy-transport.js";
import type { ManagedTransport } from "../client/runtime-platform.js";
import type { ConnectionPoolStats } from "../tcp/connection-pool.js";
import { zeroPoolCounters } from "../tcp/pool-counters.js";
import { resolveTcpTransportOptions, type TcpTransportOptions } from "../tcp/tcp-transport-options.js";
import type { TcpTransport } from "../tcp/tcp-transport.js";

/** What the pool reports before its code has loaded: nothing opened, nothing queued in it yet. */
const notLoadedStats: ConnectionPoolStats = {
  open: 0,
  connecting: 0,
  busy: 0,
  idle: 0,
  queued: 0,
  inFlight: 0,
  ...zeroPoolCounters(),
  down: false,
};

/**
 * Creates a Connect `Transport` that speaks the raw TCP binding (framed
 * MessagePack) for both services, as `createTcpTransport` of the other
 * builds; this is the Deno and Bun builds' own. Its code (the pool, the
 * connections, the MessagePack codec and msgpackr, both services' bindings)
 * is loaded by a dynamic `import()` when the transport is created, in the
 * background, not when the SDK is imported: an app that never uses a
 * `tcp(s)://` endpoint never loads it, and a bundler with code splitting
 * (`bun build --splitting`, esbuild `--splitting`) ships it as a chunk of its own.
 *
 * Options are validated at once; bad ones throw `InvalidArgument` naming the
 * option, before any connection is made. Calls made before the code has
 * loaded wait for it (a few milliseconds, from local files), and so does
 * `warmup()`; `createClient` and `createPredictionClient` hold their calls
 * until then above the deadline. `stats()` reports an empty pool until then.
 *
 * @example
 * ```ts
 * import { createClient } from "@connectrpc/connect";
 * const transport = createTcpTransport({ url: "tcp://127.0.0.1:50051", connect: connectDenoSocket });
 * await transport.warmup();
 * const storage = createClient(StorageService, transport);
 * const { sequence } = await storage.learnConcept({ conceptId: "c1", content: "..." }, { timeoutMs: 50 });
 * ```
 */
export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  const { endpoint } = resolveTcpTransportOptions(options);
  let loaded: TcpTransport | undefined;
  const lazy: ManagedTransport = createLazyTransport(() =>
    import("../tcp/tcp-transport.js").then((m) => (loaded = m.createTcpTransport(options))),
  );
  // `ready` rides along (not part of TcpTransport): the client's layers hold calls on it above their deadlines.
  return Object.assign(lazy, {
    url: endpoint.url,
    warmup: lazy.warmup!,
    stats: (): ConnectionPoolStats => (loaded === undefined ? { ...notLoadedStats } : loaded.stats()),
  });
}
