import type { Counter, Histogram, Meter } from "@opentelemetry/api";
import type { RpcSemanticConventions } from "./open-telemetry-options.js";

/** The metrics a client records, one set per `openTelemetry()`. */
export interface ClientInstruments {
  /** `rpc.client.call.duration` (s) or, with legacy conventions, `rpc.client.duration` (ms). */
  readonly duration: Histogram;
  /** Its unit's size in seconds' terms: 1 for s, 1000 for ms. */
  readonly perSecond: number;
  /** `syncvalue.client.calls`: calls ended, by method and status. */
  readonly calls: Counter;
  /** `syncvalue.client.cache.hits`: calls answered from the cache (`syncvalue.cache`: hit, stale, stale-if-error). */
  readonly cacheHits: Counter;
  /** `syncvalue.client.cache.misses`: cached methods' calls sent to the service. */
  readonly cacheMisses: Counter;
  /** `syncvalue.client.fallbacks`: calls answered by the local fallback, by `syncvalue.fallback` reason. */
  readonly fallbacks: Counter;
  /** `syncvalue.client.retries`: retries sent. */
  readonly retries: Counter;
  /** `syncvalue.client.hedges`: hedged attempts sent. */
  readonly hedges: Counter;
}

// A bid's calls take a fraction of a millisecond (a cache hit) to its
// deadline of ~100 ms: the buckets are finer there than semconv's advice.
const secondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates the instruments on `meter`. */
export function createClientInstruments(meter: Meter, conventions: RpcSemanticConventions): ClientInstruments {
  const stable = conventions === "stable";
  const duration = stable
    ? meter.createHistogram("rpc.client.call.duration", {
        description: "Duration of outgoing RPC calls as their callers saw them (cache hits and fallbacks included)",
        unit: "s",
        advice: { explicitBucketBoundaries: secondsBuckets },
      })
    : meter.createHistogram("rpc.client.duration", {
        description: "Duration of outgoing RPC calls as their callers saw them (cache hits and fallbacks included)",
        unit: "ms",
        advice: { explicitBucketBoundaries: secondsBuckets.map((s) => s * 1000) },
      });
  const counter = (name: string, description: string) => meter.createCounter(name, { description, unit: "{call}" });
  return {
    duration,
    perSecond: stable ? 1 : 1000,
    calls: counter("syncvalue.client.calls", "Calls ended, answered or failed"),
    cacheHits: counter("syncvalue.client.cache.hits", "Calls answered from the response cache"),
    cacheMisses: counter("syncvalue.client.cache.misses", "Calls of cached methods sent to the service"),
    fallbacks: counter("syncvalue.client.fallbacks", "Calls answered by the local fallback model"),
    retries: meter.createCounter("syncvalue.client.retries", { description: "Retries sent", unit: "{attempt}" }),
    hedges: meter.createCounter("syncvalue.client.hedges", { description: "Hedged attempts sent", unit: "{attempt}" }),
  };
}
