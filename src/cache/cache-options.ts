import { invalidArgument } from "../validation/invalid-argument.js";
import { isOpenableSharedCache, type SharedPredictionCache } from "./shared-prediction-cache.js";

/**
 * Storage reads that may be cached (opt-in: storage is a live store, so a
 * cached read may miss a write made by another client within `ttlMs`).
 * A write through this client invalidates what the cache holds about it.
 *
 * @public
 */
export type CacheableStorageRead = "queryConcept" | "getNeighbors" | "findPath" | "vectorSearch";

/**
 * Options of the response cache (`createClient({ cache })`). `predictLTV`
 * answers are cached by what determines them (never by `request_id` or
 * `timestamp_ms`); a cached answer carries the caller's `request_id`.
 * `FALLBACK` answers and errors are never cached.
 *
 * An entry is *fresh* for `ttlMs` (served as is), then *stale* for
 * `staleWhileRevalidateMs` (served at once while one background call
 * refreshes it), and usable for `staleIfErrorMs` after `ttlMs` when the
 * service fails or only a fallback answer is available.
 *
 * @public
 */
export interface CacheOptions {
  /** Most entries held. Default 10,000. */
  maxEntries?: number;
  /** Most bytes held (estimated from the decoded messages). Default 16 MiB. */
  maxBytes?: number;
  /** How long an answer is fresh. Default 60,000 ms. */
  ttlMs?: number;
  /** How long after `ttlMs` a stale answer is served while it is refreshed. Default 30,000 ms; 0 turns it off. */
  staleWhileRevalidateMs?: number;
  /** How long after `ttlMs` a stale answer stands in for a failure. Default 300,000 ms; 0 turns it off. */
  staleIfErrorMs?: number;
  /** Storage reads to cache too. Default `[]` (none). */
  storageReads?: CacheableStorageRead[];
  /**
   * A prediction cache shared with other clients (other processes, isolates,
   * Lambdas), asked on a miss here before the service: one read per miss
   * (one for all the misses of a tick), given at most `sharedTimeoutMs`.
   * Service answers are written to it with this cache's `ttlMs`, without
   * waiting. `syncvalue/fleet` has one on Redis (`createRedisPredictionCache`);
   * a store of your own goes through `sharedPredictionCache(store)`. Default: none.
   */
  shared?: SharedPredictionCache;
  /**
   * Hard time limit of a shared cache lookup, ms, and never more than a
   * quarter of the call's deadline: past it the call goes to the service.
   * Default 10.
   */
  sharedTimeoutMs?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Defaults of {@link CacheOptions}. @public */
export const cacheDefaults = {
  maxEntries: 10_000,
  maxBytes: 16 * 1024 * 1024,
  ttlMs: 60_000,
  staleWhileRevalidateMs: 30_000,
  staleIfErrorMs: 300_000,
  storageReads: [] as readonly CacheableStorageRead[],
  sharedTimeoutMs: 10,
} as const;

/** Cache options with every default applied. */
export type ResolvedCacheOptions = Required<Omit<CacheOptions, "storageReads" | "shared">> & {
  storageReads: ReadonlySet<CacheableStorageRead>;
  shared: SharedPredictionCache | undefined;
};

const storageReads = new Set<string>(["queryConcept", "getNeighbors", "findPath", "vectorSearch"]);

/** Applies the defaults and checks every option; throws `InvalidArgument` naming the option. */
export function resolveCacheOptions(o: CacheOptions): ResolvedCacheOptions {
  if (o === null || typeof o !== "object") throw invalidArgument("cache", "must be false or an options object");
  const d = cacheDefaults;
  const r = {
    maxEntries: o.maxEntries ?? d.maxEntries,
    maxBytes: o.maxBytes ?? d.maxBytes,
    ttlMs: o.ttlMs ?? d.ttlMs,
    staleWhileRevalidateMs: o.staleWhileRevalidateMs ?? d.staleWhileRevalidateMs,
    staleIfErrorMs: o.staleIfErrorMs ?? d.staleIfErrorMs,
    now: o.now ?? Date.now,
    storageReads: new Set(o.storageReads ?? d.storageReads),
    shared: o.shared,
    sharedTimeoutMs: o.sharedTimeoutMs ?? d.sharedTimeoutMs,
  };
  for (const name of ["maxEntries", "maxBytes"] as const) {
    if (!Number.isSafeInteger(r[name]) || r[name] < 1) throw invalidArgument(`cache.${name}`, "must be a positive integer");
  }
  for (const name of ["ttlMs", "staleWhileRevalidateMs", "staleIfErrorMs"] as const) {
    if (typeof r[name] !== "number" || !(r[name] >= 0) || !Number.isFinite(r[name])) {
      throw invalidArgument(`cache.${name}`, "must be a finite number of milliseconds, 0 or more");
    }
  }
  if (typeof r.now !== "function") throw invalidArgument("cache.now", "must be a function");
  const shared = r.shared as unknown;
  if (shared !== undefined) {
    const s = shared as Partial<SharedPredictionCache> | null;
    if (typeof s !== "object" || s === null || typeof s.getMany !== "function" || typeof s.set !== "function") {
      throw invalidArgument("cache.shared", "must be a SharedPredictionCache (getMany and set)");
    }
    if (!isOpenableSharedCache(s)) throw invalidArgument("cache.shared", "must come from sharedPredictionCache(store) or createRedisPredictionCache");
  }
  if (typeof r.sharedTimeoutMs !== "number" || !(r.sharedTimeoutMs > 0) || !Number.isFinite(r.sharedTimeoutMs)) {
    throw invalidArgument("cache.sharedTimeoutMs", "must be a finite number of milliseconds, more than 0");
  }
  if (o.storageReads !== undefined && !Array.isArray(o.storageReads)) throw invalidArgument("cache.storageReads", "must be an array");
  for (const name of r.storageReads) {
    if (!storageReads.has(name)) throw invalidArgument("cache.storageReads", `must list only ${[...storageReads].join(", ")}`);
  }
  return r;
}
