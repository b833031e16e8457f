import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import type { RpcSemanticConventions } from "./open-telemetry-options.js";

/**
 * The counts of one outcome of one method (one attribute set), kept as
 * plain numbers and read by the observable counters when metrics are
 * collected: a call adds to them without the SDK's per-measurement work
 * (hashing the attribute set), which would otherwise cost more than a
 * cache hit several times over.
 */
export interface OutcomeTally {
  readonly attributes: Attributes;
  calls: number;
  cacheHits: number;
  cacheMisses: number;
  fallbacks: number;
  retries: number;
  hedges: number;
}

/** The metrics a client records, one set per `openTelemetry()`. */
export interface ClientInstruments {
  /** `rpc.client.call.duration` (s) or, with legacy conventions, `rpc.client.duration` (ms). */
  readonly duration: Histogram;
  /** Its unit's size in seconds' terms: 1 for s, 1000 for ms. */
  readonly perSecond: number;
}

// A bid's calls take a fraction of a millisecond (a cache hit) to its
// deadline of ~100 ms: the buckets are finer there than semconv's advice.
const secondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates the instruments on `meter`: the duration histogram, and the
 * counters, observed from `tallies` (which grows as outcomes appear):
 * `syncvalue.client.calls`, `.cache.hits`, `.cache.misses`, `.fallbacks`
 * (`{call}`), `.retries`, `.hedges` (`{attempt}`).
 */
export function createClientInstruments(meter: Meter, conventions: RpcSemanticConventions, tallies: ReadonlyMap<string, OutcomeTally>): ClientInstruments {
  const stable = conventions === "stable";
  const description = "Duration of outgoing RPC calls as their callers saw them (cache hits and fallbacks included)";
  const duration = stable
    ? meter.createHistogram("rpc.client.call.duration", { description, unit: "s", advice: { explicitBucketBoundaries: secondsBuckets } })
    : meter.createHistogram("rpc.client.duration", { description, unit: "ms", advice: { explicitBucketBoundaries: secondsBuckets.map((s) => s * 1000) } });
  const counter = (name: string, text: string, unit = "{call}") => meter.createObservableCounter(name, { description: text, unit });
  const calls = counter("syncvalue.client.calls", "Calls ended, answered or failed");
  const cacheHits = counter("syncvalue.client.cache.hits", "Calls answered from the response cache");
  const cacheMisses = counter("syncvalue.client.cache.misses", "Calls of cached methods sent to the service");
  const fallbacks = counter("syncvalue.client.fallbacks", "Calls answered by the local fallback model");
  const retries = counter("syncvalue.client.retries", "Retries sent", "{attempt}");
  const hedges = counter("syncvalue.client.hedges", "Hedged attempts sent", "{attempt}");
  meter.addBatchObservableCallback(
    (result) => {
      for (const t of tallies.values()) {
        result.observe(calls, t.calls, t.attributes);
        if (t.cacheHits > 0) result.observe(cacheHits, t.cacheHits, t.attributes);
        if (t.cacheMisses > 0) result.observe(cacheMisses, t.cacheMisses, t.attributes);
        if (t.fallbacks > 0) result.observe(fallbacks, t.fallbacks, t.attributes);
        if (t.retries > 0) result.observe(retries, t.retries, t.attributes);
        if (t.hedges > 0) result.observe(hedges, t.hedges, t.attributes);
      }
    },
    [calls, cacheHits, cacheMisses, fallbacks, retries, hedges],
  );
  return { duration, perSecond: stable ? 1 : 1000 };
}
