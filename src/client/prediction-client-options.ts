import type { ClientOptions, Endpoint } from "./client-options.js";

/**
 * Options of {@link createPredictionClient}: the prediction endpoint, and the
 * options it shares with `createClient` (`timeoutMs` default 100 ms, `auth`,
 * `interceptors` default none, `cache` default on; each documented on
 * {@link ClientOptions}). The cache caches `predictLTV` only: a non-empty
 * `cache.storageReads` is refused.
 *
 * The options of `createClient`'s other layers (`retry`, `hedging`,
 * `circuitBreaker`, `fallback`, `batching`, `onEvent`) and its `prediction`
 * and `storage` endpoints are refused with `InvalidArgument`: this client
 * does not have them.
 *
 * @public
 */
export interface PredictionClientOptions extends Pick<ClientOptions, "timeoutMs" | "auth" | "interceptors" | "cache"> {
  /**
   * The prediction service (`syncvalue.v1.SyncValueService`): a URL string or
   * endpoint options, as `ClientOptions.prediction`. Required.
   */
  endpoint: Endpoint;
}

// The option names createPredictionClient accepts; others (createClient's among them) are refused.
export const predictionClientOptionNames: readonly string[] = ["endpoint", "timeoutMs", "auth", "interceptors", "cache"];
