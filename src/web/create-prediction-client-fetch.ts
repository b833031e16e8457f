import { createPredictionClientOn, type PredictionClient } from "../client/create-prediction-client.js";
import type { PredictionClientOptions } from "../client/prediction-client-options.js";
import { fetchPlatform } from "./fetch-platform.js";

/**
 * Creates a client of the prediction service alone: validation, the
 * default deadline and the response cache, without `createClient`'s storage
 * service, retries, hedging, circuit breaker, micro-batching or local
 * fallback, none of whose code a bundler then ships.
 *
 * Endpoints are reached as by `createClient`: with only `fetch` (edge runtimes,
 * browsers), `http(s)://` endpoints use the lean unary transport (the Connect
 * protocol by default; gRPC-web on request).
 * Bad options, and `createClient` options this client does not have, throw
 * `ConnectError` `InvalidArgument` naming the option; nothing is connected
 * until the first call or `warmup()`.
 *
 * @public
 */
export function createPredictionClient(options: PredictionClientOptions): PredictionClient {
  return createPredictionClientOn(fetchPlatform, options);
}
