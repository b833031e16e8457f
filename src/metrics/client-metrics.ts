import type { CircuitState, ClientEvent, FallbackReason, ServiceName } from "./client-event.js";
import { LatencyHistogram } from "./latency-histogram.js";
import type { CallNotes } from "./call-notes.js";

/**
 * Latency and outcome of one RPC method, as its callers saw it (cache hits
 * and fallbacks included). Times in milliseconds.
 *
 * @public
 */
export interface MethodMetrics {
  /** Calls completed (answered or rejected). */
  count: number;
  /** Calls that rejected (any code). */
  errors: number;
  /** Median latency, ms, within the histogram's bucket precision. */
  p50Ms: number;
  /** 95th percentile latency, ms. */
  p95Ms: number;
  /** 99th percentile latency, ms. */
  p99Ms: number;
  /** Mean latency, ms. */
  meanMs: number;
  /** Largest latency seen, ms. */
  maxMs: number;
}

/**
 * Connection pool statistics of a transport that pools connections (the raw
 * TCP transport), as its `stats()` reports them.
 *
 * @public
 */
export interface PoolStats {
  /** Connections open. */
  open?: number;
  /** Connections with requests in flight. */
  busy?: number;
  /** Connections open without requests in flight. */
  idle?: number;
  /** Requests waiting for a connection. */
  queued?: number;
  /** Further counters of the transport (see `ConnectionPoolStats` for raw TCP). */
  [name: string]: unknown;
}

/**
 * A snapshot of the client's counters, returned by `client.metrics()`.
 * Counters count since the client was created.
 *
 * @public
 */
export interface ClientMetricsSnapshot {
  /** Per method, keyed by the method's local name (`predictLTV`, `queryConcept`, ...). */
  methods: Record<string, MethodMetrics>;
  /** The prediction (and opted-in storage read) cache. */
  cache: {
    /** Answered from a fresh entry. */
    hits: number;
    /** Not in the cache (or bypassed / refreshed): went to the service. */
    misses: number;
    /** Answered from a stale entry while it was refreshed in the background. */
    stale: number;
    /** Answered from a stale entry because the service failed (stale-if-error). */
    staleIfError: number;
    /** Joined an identical request already in flight instead of sending another. */
    coalesced: number;
    /** Entries dropped because a write touched their concept. */
    invalidations: number;
    /** Entries held now. */
    entries: number;
    /** Estimated bytes held now. */
    bytes: number;
    /** The shared cache (`cache.shared`), consulted on a miss here; all 0 without one. */
    shared: {
      /** Lookups it answered. */
      hits: number;
      /** Lookups it did not (or answered with a value too old or that did not decode). */
      misses: number;
      /** Lookups abandoned at `cache.sharedTimeoutMs`. */
      timeouts: number;
      /** Lookups and writes that failed. */
      errors: number;
      /** Service answers handed to it to store. */
      writes: number;
    };
  };
  /** The micro-batcher (all 0 when batching is off). */
  batching: {
    /** `PredictLTVBatch` calls sent by the micro-batcher. */
    batches: number;
    /** Predictions sent inside them. */
    items: number;
  };
  /** Retries sent. */
  retries: number;
  /** Retries the retry budget refused. */
  retriesThrottled: number;
  /** Hedged attempts sent. */
  hedges: number;
  /** Hedged attempts that answered first. */
  hedgeWins: number;
  /** Breaker state per service with an endpoint. */
  breaker: Partial<Record<ServiceName, CircuitState>>;
  /** Local fallback answers in total. */
  fallbacks: number;
  /** Local fallback answers by reason. */
  fallbacksByReason: Record<FallbackReason, number>;
  /**
   * Fallback answers that hid a failure looking like a configuration error
   * (`Unauthenticated`, `PermissionDenied`, an endpoint never reached): each
   * also delivered as a `misconfiguration` event. 0 is what a healthy
   * deployment shows; alert on anything else.
   */
  misconfigurations: number;
  /** Pool statistics of transports that have a `stats()` method (raw TCP). */
  pool: Partial<Record<ServiceName, PoolStats>>;
}

/**
 * The counters every layer of one client writes to. Plain fields, so the
 * cache-hit path pays a property increment, nothing more.
 */
export class ClientMetrics {
  readonly methods = new Map<string, { histogram: LatencyHistogram; errors: number }>();
  cacheHits = 0;
  cacheMisses = 0;
  cacheStale = 0;
  cacheStaleIfError = 0;
  cacheCoalesced = 0;
  cacheInvalidations = 0;
  sharedHits = 0;
  sharedMisses = 0;
  sharedTimeouts = 0;
  sharedErrors = 0;
  sharedWrites = 0;
  batches = 0;
  batchItems = 0;
  retries = 0;
  retriesThrottled = 0;
  hedges = 0;
  hedgeWins = 0;
  fallbacksByReason: Record<FallbackReason, number> = { "circuit-open": 0, deadline: 0, error: 0 };
  misconfigurations = 0;
  /**
   * True when the client has `telemetry`: its calls then carry
   * {@link CallNotes} that the layers fill in. Checked before looking the
   * notes up on the hot paths (a cache hit), so without telemetry they cost
   * one property read.
   */
  noting = false;

  constructor(private readonly listener?: (event: ClientEvent) => void) {}

  /** The per-method record, created on first use. */
  method(name: string): { histogram: LatencyHistogram; errors: number } {
    let m = this.methods.get(name);
    if (m === undefined) {
      m = { histogram: new LatencyHistogram(), errors: 0 };
      this.methods.set(name, m);
    }
    return m;
  }

  /** Delivers an event to `onEvent`; a throwing listener never breaks a call. */
  emit(event: ClientEvent): void {
    if (event.type === "fallback") this.fallbacksByReason[event.reason]++;
    else if (event.type === "misconfiguration") this.misconfigurations++;
    if (this.listener === undefined) return;
    try {
      this.listener(event);
    } catch {
      // The listener's failure is not the call's failure.
    }
  }

  snapshot(extra: {
    cacheEntries: number;
    cacheBytes: number;
    breaker: Partial<Record<ServiceName, CircuitState>>;
    pool: Partial<Record<ServiceName, PoolStats>>;
  }): ClientMetricsSnapshot {
    const methods: Record<string, MethodMetrics> = {};
    for (const [name, { histogram: h, errors }] of this.methods) {
      methods[name] = {
        count: h.count,
        errors,
        p50Ms: h.quantileMs(0.5),
        p95Ms: h.quantileMs(0.95),
        p99Ms: h.quantileMs(0.99),
        meanMs: h.meanMs(),
        maxMs: h.maxMs(),
      };
    }
    const byReason = { ...this.fallbacksByReason };
    return {
      methods,
      cache: {
        hits: this.cacheHits,
        misses: this.cacheMisses,
        stale: this.cacheStale,
        staleIfError: this.cacheStaleIfError,
        coalesced: this.cacheCoalesced,
        invalidations: this.cacheInvalidations,
        entries: extra.cacheEntries,
        bytes: extra.cacheBytes,
        shared: {
          hits: this.sharedHits,
          misses: this.sharedMisses,
          timeouts: this.sharedTimeouts,
          errors: this.sharedErrors,
          writes: this.sharedWrites,
        },
      },
      batching: { batches: this.batches, items: this.batchItems },
      retries: this.retries,
      retriesThrottled: this.retriesThrottled,
      hedges: this.hedges,
      hedgeWins: this.hedgeWins,
      breaker: extra.breaker,
      fallbacks: byReason["circuit-open"] + byReason.deadline + byReason.error,
      fallbacksByReason: byReason,
      misconfigurations: this.misconfigurations,
      pool: extra.pool,
    };
  }
}
