import { createPredictionClientOn, type PredictionClient } from "../client/create-prediction-client.js";
import type { PredictionClientOptions } from "../client/prediction-client-options.js";
import { nodePlatform } from "./node-platform.js";

/**
 * Creates a client of the prediction service alone: validation, the
 * default deadline and the response cache, without `createClient`'s storage
 * service, retries, hedging, circuit breaker, micro-batching or local
 * fallback, none of whose code a bundler then ships.
 *
 * Endpoints are reached as by `createClient`: on Node, `http(s)://` endpoints
 * use connect-node over HTTP/2 (gRPC by default), `tcp(s)://` endpoints pooled
 * sockets.
 *
 * Bad options, and `createClient` options this client does not have, throw
 * `ConnectError` `InvalidArgument` naming the option; nothing is connected
 * until the first call or `warmup()`.
 *
 * @example
 * ```ts
 * const client = createPredictionClient({ endpoint: "http://127.0.0.1:8080" });
 * const ltv = await client.prediction.predictLTV({ customerId: "c-1", platform: "meta" });
 * await client.close();
 * ```
 * @public
 */
export function createPredictionClient(options: PredictionClientOptions): PredictionClient {
  return createPredictionClientOn(nodePlatform, options);
}
