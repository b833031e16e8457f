import type { LTVPredictionResponse } from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import type { WaitUntil } from "./background-wait-until.js";
import {
  openSharedCacheReader,
  type OpenableSharedCache,
  type SharedAnswerCodec,
  type SharedCacheHit,
  type SharedCacheReader,
  type SharedPredictionCache,
} from "./shared-prediction-cache.js";

/**
 * Makes `store` usable as `cache.shared`: the client reads it through the
 * lookup made here (the misses of a tick go out as one `getMany`, with a hard
 * time limit; a timeout, an error or bytes that do not decode are misses).
 * Its own module, so that only bundles that make a shared cache carry that
 * code. `createRedisPredictionCache` (`syncvalue/fleet`) calls it for you.
 * Throws `InvalidArgument` when `store` lacks `getMany` or `set`.
 *
 * ```ts
 * const shared = sharedPredictionCache({ getMany: async (keys) => keys.map(() => undefined), set() {} });
 * const client = createPredictionClient({ endpoint: "https://ltv.example.com", cache: { shared } });
 * ```
 *
 * @public
 */
export function sharedPredictionCache(store: SharedPredictionCache): SharedPredictionCache {
  const s = store as Partial<SharedPredictionCache> | null;
  if (typeof s !== "object" || s === null || typeof s.getMany !== "function" || typeof s.set !== "function") {
    throw invalidArgument("store", "must be a SharedPredictionCache (getMany and set)");
  }
  const opened: OpenableSharedCache = {
    getMany: (keys, signal) => store.getMany(keys, signal),
    set: (key, value, ttlMs) => store.set(key, value, ttlMs),
    [openSharedCacheReader]: (timeoutMs, metrics, codec) => new BatchedSharedCacheReader(store, timeoutMs, metrics, codec),
  };
  return opened;
}

const noop = (): void => undefined;

interface Lookup {
  key: string;
  limitMs: number;
  resolve: (value: Uint8Array | undefined) => void;
}

/**
 * Reads the shared cache for one client: lookups made in the same tick go
 * out as one `getMany`, which gets a hard time limit (the smallest of the
 * lookups'). Never rejects: a timeout, an error or a malformed answer is a
 * miss, counted in the client's metrics (and a timeout or error reported to
 * `onEvent`), and the call goes on to the service.
 */
class BatchedSharedCacheReader implements SharedCacheReader {
  private queue: Lookup[] = [];

  constructor(
    private readonly shared: SharedPredictionCache,
    private readonly timeoutMs: number,
    private readonly metrics: ClientMetrics,
    private readonly codec: SharedAnswerCodec,
  ) {}

  /**
   * The usable answer for `key`, or undefined. `callTimeoutMs` is the time
   * the call has left: the lookup takes at most a quarter of it, so the
   * service keeps the rest.
   */
  async get(key: string, callTimeoutMs: number | undefined, ttlMs: number, now: () => number): Promise<SharedCacheHit | undefined> {
    const limitMs = callTimeoutMs === undefined ? this.timeoutMs : Math.min(this.timeoutMs, callTimeoutMs / 4);
    const bytes = await new Promise<Uint8Array | undefined>((resolve) => {
      if (this.queue.push({ key, limitMs, resolve }) === 1) queueMicrotask(() => this.send());
    });
    if (bytes === undefined) return undefined;
    let message: LTVPredictionResponse;
    try {
      message = this.codec.decode(bytes);
    } catch {
      return this.unusable();
    }
    // Its age by the service's timestamp: another client stored it up to ttlMs ago.
    const at = now();
    const stamped = Number(message.timestampMs);
    const freshAt = stamped > 0 && stamped < at ? stamped : at;
    if (message.status === this.codec.fallback || at - freshAt >= ttlMs) return this.unusable();
    return { message, freshAt };
  }

  set(key: string, message: LTVPredictionResponse, ttlMs: number, waitUntil: WaitUntil | undefined): void {
    this.metrics.sharedWrites++;
    let write: void | Promise<unknown>;
    try {
      write = this.shared.set(key, this.codec.encode(message), ttlMs);
    } catch {
      this.metrics.sharedErrors++;
      return;
    }
    if (waitUntil === undefined || !(write instanceof Promise)) return;
    try {
      waitUntil(write.then(noop, noop));
    } catch {
      // Workers' ctx.waitUntil called without its ctx: the write is left to chance, as without one.
    }
  }

  private send(): void {
    const batch = this.queue;
    this.queue = [];
    let limitMs = Infinity;
    for (const l of batch) limitMs = Math.min(limitMs, l.limitMs);
    const controller = new AbortController();
    const t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, limitMs));
    });
    let answer: Promise<ReadonlyArray<Uint8Array | undefined>>;
    try {
      answer = Promise.resolve(this.shared.getMany(batch.map((l) => l.key), controller.signal));
    } catch (e) {
      answer = Promise.reject(e);
    }
    const m = this.metrics;
    Promise.race([answer, timeout]).then(
      (values) => {
        clearTimeout(timer);
        if (values === "timeout") {
          controller.abort();
          m.sharedTimeouts += batch.length;
          m.emit({ type: "shared-cache", outcome: "timeout", keys: batch.length, ms: performance.now() - t0 });
          for (const l of batch) l.resolve(undefined);
          return;
        }
        if (!Array.isArray(values) || values.length !== batch.length) {
          this.failed(batch, t0, "getMany must return one value per key");
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const v: unknown = values[i];
          if (v instanceof Uint8Array && v.length > 0) {
            m.sharedHits++;
            batch[i]!.resolve(v);
          } else {
            m.sharedMisses++;
            batch[i]!.resolve(undefined);
          }
        }
      },
      (e: unknown) => {
        clearTimeout(timer);
        this.failed(batch, t0, String((e as Error)?.message ?? e));
      },
    );
    // The abandoned answer of a timed-out lookup may still reject.
    answer.catch(() => {});
  }

  private failed(batch: Lookup[], t0: number, message: string): void {
    this.metrics.sharedErrors += batch.length;
    this.metrics.emit({ type: "shared-cache", outcome: "error", keys: batch.length, ms: performance.now() - t0, message });
    for (const l of batch) l.resolve(undefined);
  }

  /** Counts a value that could not be used (it did not decode, or was too old) as a miss rather than a hit. */
  private unusable(): undefined {
    this.metrics.sharedHits--;
    this.metrics.sharedMisses++;
    return undefined;
  }
}
