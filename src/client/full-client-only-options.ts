import { invalidArgument } from "../validation/invalid-argument.js";

// What createPredictionClient does not have, by the createClient option that asks for it.
const missing: Readonly<Record<string, string>> = {
  prediction: "`prediction` option (its endpoint is `endpoint`)",
  storage: "the storage service",
  retry: "retries",
  hedging: "hedging",
  circuitBreaker: "a circuit breaker",
  fallback: "a local fallback",
  batching: "micro-batching",
  onEvent: "events (they come from retries, hedging, the breaker and the fallback)",
};

/**
 * Refuses the `createClient` options that `createPredictionClient` does not
 * have, so a JavaScript caller (no type checker) is told rather than silently
 * ignored: `InvalidArgument` naming the option and pointing at `createClient`.
 * An option set to `undefined` counts as not given.
 */
export function refuseFullClientOptions(options: object): void {
  for (const [name, what] of Object.entries(missing)) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      throw invalidArgument(name, `createPredictionClient has no ${what}; use createClient`);
    }
  }
}
