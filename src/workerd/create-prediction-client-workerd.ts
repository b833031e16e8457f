import { createPredictionClientOn, type PredictionClient } from "../client/create-prediction-client.js";
import type { PredictionClientOptions } from "../client/prediction-client-options.js";
import { workerdPredictionPlatform } from "./workerd-prediction-platform.js";

/**
 * Creates a client of the prediction service alone (Cloudflare Workers build): validation, the
 * default deadline and the response cache, without `createClient`'s storage
 * service, retries, hedging, circuit breaker, micro-batching or local
 * fallback, none of whose code a bundler then ships.
 *
 * In a Worker, `http(s)://` endpoints use the lean unary transport over
 * `fetch`. Raw TCP is not in this build unless asked for: a `tcp(s)://`
 * endpoint needs `tcpTransport: createTcpTransport` (then `cloudflare:sockets`,
 * a socket per call), and is refused with `Unimplemented` without it, so an
 * HTTP-only Worker does not ship the TCP transport.
 * Bad options, and `createClient` options this client does not have, throw
 * `ConnectError` `InvalidArgument` naming the option; nothing is connected
 * until the first call or `warmup()`.
 *
 * @public
 */
export function createPredictionClient(options: PredictionClientOptions): PredictionClient {
  const tcpTransport = options !== null && typeof options === "object" ? options.tcpTransport : undefined;
  return createPredictionClientOn(workerdPredictionPlatform(typeof tcpTransport === "function" ? tcpTransport : undefined), options);
}
