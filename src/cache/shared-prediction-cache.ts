import type { LTVPredictionResponse } from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import type { WaitUntil } from "./background-wait-until.js";

/**
 * A prediction cache shared by many clients (processes, isolates, Lambdas):
 * a second level behind each client's own in-memory cache, consulted on a
 * miss there (`cache: { shared }`). Keys are strings the client makes
 * (versioned, so a change of key scheme never reads old entries); values are
 * the protobuf bytes of a `predictLTV` answer. `syncvalue/fleet` has one on
 * Redis (`createRedisPredictionCache`); a store of your own (anything with a
 * batched read and a fire-and-forget write) goes through
 * `sharedPredictionCache(store)` first.
 *
 * @public
 */
export interface SharedPredictionCache {
  /**
   * The values of `keys`, in order, `undefined` where there is none. Calls
   * that miss the client's own cache together share one `getMany`. The
   * client waits at most `cache.sharedTimeoutMs` for it and then aborts
   * `signal` and goes to the service: stop there if you can.
   */
  getMany(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyArray<Uint8Array | undefined>>;
  /**
   * Stores `value` under `key` for `ttlMs`. The client does not wait for it:
   * return at once and deal with failures yourself (a failed write is only a
   * later miss). Return the write's promise if it has one: the client hands it
   * to the call's `backgroundWaitUntil`, else the client's `waitUntil`, so a
   * Worker does not cancel the write once its request has answered.
   */
  set(key: string, value: Uint8Array, ttlMs: number): void | Promise<unknown>;
}

/** Version of the shared cache's keys: bumped when the prediction cache key changes. */
const keyVersion = "p1";

/** The shared cache's key of a prediction: the key scheme's version, the request's hash, and its customer (so a hash collision never crosses customers). */
export function sharedPredictionKey(hash: number, customerId: string): string {
  return `${keyVersion}:${hash.toString(36)}:${customerId}`;
}

/** A usable answer read from the shared cache, with when it was fresh from the service. */
export interface SharedCacheHit {
  message: LTVPredictionResponse;
  freshAt: number;
}

/**
 * How answers are turned into bytes and back, given by the prediction cache
 * layer: the core has the codec anyway, and `syncvalue/fleet` (built apart)
 * then carries no generated code of its own.
 */
export interface SharedAnswerCodec {
  decode(bytes: Uint8Array): LTVPredictionResponse;
  encode(message: LTVPredictionResponse): Uint8Array;
  /** `PredictionStatus.FALLBACK`: such answers are never used. */
  readonly fallback: LTVPredictionResponse["status"];
}

/** What the prediction cache layer asks of a shared cache: one per client (its time limit, counters and codec). */
export interface SharedCacheReader {
  /** The usable answer under `key`, or undefined (a miss, a timeout, an error, bytes that do not decode, or too old by `now` and `ttlMs`); never rejects. */
  get(key: string, callTimeoutMs: number | undefined, ttlMs: number, now: () => number): Promise<SharedCacheHit | undefined>;
  /** Stores a service's answer, the write kept alive by `waitUntil` if given; never blocks, never throws. */
  set(key: string, message: LTVPredictionResponse, ttlMs: number, waitUntil: WaitUntil | undefined): void;
}

/**
 * Where `sharedPredictionCache()` puts the opener of the reader. Through the
 * symbol registry: `syncvalue/fleet` is built apart from the core, and its
 * caches must open in the core's client. The reader's code (batching, time
 * limit, decoding) so ships only in bundles that make a shared cache.
 */
export const openSharedCacheReader: unique symbol = Symbol.for("syncvalue.sharedPredictionCache.open") as never;

/** A shared cache that `sharedPredictionCache()` made: it opens the reader. */
export interface OpenableSharedCache extends SharedPredictionCache {
  [openSharedCacheReader](timeoutMs: number, metrics: ClientMetrics, codec: SharedAnswerCodec): SharedCacheReader;
}

/** Whether `shared` came out of `sharedPredictionCache()` (or `createRedisPredictionCache`). */
export function isOpenableSharedCache(shared: unknown): shared is OpenableSharedCache {
  return typeof shared === "object" && shared !== null && typeof (shared as Partial<OpenableSharedCache>)[openSharedCacheReader] === "function";
}
