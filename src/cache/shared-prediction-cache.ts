import type { ClientMetrics } from "../metrics/client-metrics.js";

/**
 * A prediction cache shared by many clients (processes, isolates, Lambdas):
 * a second level behind each client's own in-memory cache, consulted on a
 * miss there (`cache: { shared }`). Keys are strings the client makes
 * (versioned, so a change of key scheme never reads old entries); values are
 * the protobuf bytes of a `predictLTV` answer. `syncvalue/fleet` has one on
 * Redis (`createRedisPredictionCache`); anything with a batched read and a
 * fire-and-forget write fits.
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
   * later miss).
   */
  set(key: string, value: Uint8Array, ttlMs: number): void;
}

/** Version of the shared cache's keys: bumped when the prediction cache key changes. */
const keyVersion = "p1";

/** The shared cache's key of a prediction: the key scheme's version, the request's hash, and its customer (so a hash collision never crosses customers). */
export function sharedPredictionKey(hash: number, customerId: string): string {
  return `${keyVersion}:${hash.toString(36)}:${customerId}`;
}

interface Lookup {
  key: string;
  limitMs: number;
  resolve: (value: Uint8Array | undefined) => void;
}

/**
 * Reads the shared cache for the client: lookups made in the same tick go
 * out as one `getMany`, which gets a hard time limit (the smallest of the
 * lookups'). Never rejects: a timeout, an error or a malformed answer is a
 * miss, counted in the client's metrics (and a timeout or error reported to
 * `onEvent`), and the call goes on to the service.
 */
export class SharedCacheReader {
  private queue: Lookup[] = [];

  constructor(
    private readonly shared: SharedPredictionCache,
    private readonly timeoutMs: number,
    private readonly metrics: ClientMetrics,
  ) {}

  /**
   * The value for `key`, or undefined. `callTimeoutMs` is the time the call
   * has left: the lookup takes at most a quarter of it, so the service keeps
   * the rest.
   */
  get(key: string, callTimeoutMs: number | undefined): Promise<Uint8Array | undefined> {
    const limitMs = callTimeoutMs === undefined ? this.timeoutMs : Math.min(this.timeoutMs, callTimeoutMs / 4);
    return new Promise((resolve) => {
      if (this.queue.push({ key, limitMs, resolve }) === 1) queueMicrotask(() => this.send());
    });
  }

  /** Stores a service's answer; never blocks, never throws. */
  set(key: string, value: Uint8Array, ttlMs: number): void {
    this.metrics.sharedWrites++;
    try {
      this.shared.set(key, value, ttlMs);
    } catch {
      this.metrics.sharedErrors++;
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
  unusable(): void {
    this.metrics.sharedHits--;
    this.metrics.sharedMisses++;
  }
}
