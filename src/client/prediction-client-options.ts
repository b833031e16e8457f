import type { createTcpTransport } from "../tcp/tcp-transport.js";
import type { ClientOptions, Endpoint } from "./client-options.js";

/**
 * Options of {@link createPredictionClient}: the prediction endpoint, and the
 * options it shares with `createClient` (`timeoutMs` default 100 ms, `auth`,
 * `interceptors` default none, `cache` default on, `waitUntil` default none,
 * `maxResponseBytesInFlight` default 64 MiB, `telemetry` default none, `layers`
 * default none; each
 * documented on {@link ClientOptions}). The cache caches `predictLTV` only: a non-empty
 * `cache.storageReads` is refused.
 *
 * The options of `createClient`'s other layers (`retry`, `hedging`,
 * `circuitBreaker`, `fallback`, `batching`, `onEvent`) and its `prediction`
 * and `storage` endpoints are refused with `InvalidArgument`: this client
 * does not have them.
 *
 * @public
 */
export interface PredictionClientOptions
  extends Pick<ClientOptions, "timeoutMs" | "auth" | "interceptors" | "cache" | "waitUntil" | "maxResponseBytesInFlight" | "telemetry" | "layers"> {
  /**
   * The prediction service (`syncvalue.v1.SyncValueService`): a URL string or
   * endpoint options, as `ClientOptions.prediction`. Required.
   */
  endpoint: Endpoint;
  /**
   * Raw TCP for a `tcp(s)://` endpoint in a Cloudflare Worker: pass
   * `createTcpTransport` (exported by `syncvalue`). The Workers build of this
   * client leaves the TCP transport out unless it is passed here, so an HTTP
   * Worker's bundle does not carry it (about 17 KB gzipped); without it a
   * `tcp(s)://` endpoint there fails with `Unimplemented`. Node, Bun and Deno
   * have TCP built in and do not need it (it is accepted and not used); Vercel
   * edge and browsers have no sockets either way. Default: none.
   */
  tcpTransport?: typeof createTcpTransport;
}

// The option names createPredictionClient accepts; others (createClient's among them) are refused.
// A record of every key, so a new field of PredictionClientOptions missing here fails to compile.
const predictionClientOptionKeys: Record<keyof PredictionClientOptions, 1> = {
  endpoint: 1,
  timeoutMs: 1,
  auth: 1,
  interceptors: 1,
  cache: 1,
  waitUntil: 1,
  maxResponseBytesInFlight: 1,
  telemetry: 1,
  layers: 1,
  tcpTransport: 1,
};
export const predictionClientOptionNames: readonly string[] = Object.keys(predictionClientOptionKeys);
