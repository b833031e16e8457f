import { createPredictionClientOn, type PredictionClient } from "../client/create-prediction-client.js";
import type { PredictionClientOptions } from "../client/prediction-client-options.js";
import { denoPlatform } from "./deno-platform.js";

/**
 * Creates a client of the prediction service alone (Deno build): validation, the
 * default deadline and the response cache, without `createClient`'s storage
 * service, retries, hedging, circuit breaker, micro-batching or local
 * fallback, none of whose code a bundler then ships.
 *
 * Endpoints are reached as by `createClient`: on Deno, `tcp(s)://` endpoints use
 * pooled `Deno.connect` sockets, `http(s)://` endpoints the lean unary transport
 * over `fetch`.
 * Bad options, and `createClient` options this client does not have, throw
 * `ConnectError` `InvalidArgument` naming the option; nothing is connected
 * until the first call or `warmup()`.
 *
 * @public
 */
export function createPredictionClient(options: PredictionClientOptions): PredictionClient {
  return createPredictionClientOn(denoPlatform, options);
}
