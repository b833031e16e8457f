import { Code, ConnectError, type UnaryResponse } from "@connectrpc/connect";
import { LRUCache } from "lru-cache";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { waitAsCaller } from "../resilience/caller-wait.js";
import type { ResolvedCacheOptions } from "./cache-options.js";
import { estimatedSize } from "./estimated-size.js";

/** A cache key: a number for predictions (a hash), a string for storage reads. */
export type CacheKey = number | string;

/** One cached answer. Its message is never handed out itself (callers get copies); nested values are frozen. */
export interface CacheEntry {
  readonly response: UnaryResponse;
  readonly storedAt: number;
  /** Compared on every hit (the customer of a prediction), so a hash collision cannot cross it. */
  readonly check: string;
  /** A failed background refresh holds off the next one until then. */
  refreshAfter: number;
}

/**
 * How old an entry is:
 * - `fresh`: younger than `ttlMs`;
 * - `stale`: serve it and refresh it in the background (stale-while-revalidate);
 * - `spare`: do not serve it, but keep it in case the call fails (stale-if-error).
 */
export type EntryAge = "fresh" | "stale" | "spare";

/** A request in flight that identical calls join (coalescing). */
interface Flight {
  readonly promise: Promise<UnaryResponse>;
  readonly controller: AbortController;
  /** Absolute deadline of the flight; callers with an earlier one wait with their own timer. */
  readonly deadline: number;
  readonly epoch: number;
  waiting: number;
}

/**
 * The client's response cache: an `lru-cache` bounded by entries and bytes,
 * the freshness windows on top of it, and the table of requests in flight.
 * Shared by the prediction and storage layers of one client.
 */
export class ResponseCache {
  private readonly lru: LRUCache<CacheKey, CacheEntry>;
  private readonly flights = new Map<CacheKey, Flight>();
  readonly now: () => number;
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly spareMs: number;
  private readonly maxAgeMs: number;

  constructor(
    readonly options: ResolvedCacheOptions,
    readonly metrics: ClientMetrics,
  ) {
    this.now = options.now;
    this.ttlMs = options.ttlMs;
    this.staleMs = options.ttlMs + options.staleWhileRevalidateMs;
    this.spareMs = options.ttlMs + options.staleIfErrorMs;
    this.maxAgeMs = Math.max(this.staleMs, this.spareMs);
    this.lru = new LRUCache<CacheKey, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => Math.max(1, estimatedSize(entry.response.message) + 64),
    });
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** The entry for `key` if it is still of some use, else `undefined` (and it is dropped). */
  lookup(key: CacheKey, check: string): CacheEntry | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined || entry.check !== check) return undefined;
    if (this.now() - entry.storedAt >= this.maxAgeMs) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /** How old a looked-up entry is. */
  age(entry: CacheEntry): EntryAge {
    const age = this.now() - entry.storedAt;
    if (age < this.ttlMs) return "fresh";
    return age < this.staleMs ? "stale" : "spare";
  }

  /** Whether a spare (or stale) entry may stand in for a failure. */
  usableOnError(entry: CacheEntry | undefined): entry is CacheEntry {
    return entry !== undefined && this.now() - entry.storedAt < this.spareMs;
  }

  store(key: CacheKey, check: string, response: UnaryResponse): void {
    // Nested values are shared with every caller's copy, so they are frozen.
    // The message itself is only ever copied, and stays unfrozen: spreading a
    // frozen object takes V8's slow path, a third of a hit's cost.
    const message = response.message as Record<string, unknown>;
    for (const field in message) deepFreeze(message[field]);
    this.lru.set(key, { response, storedAt: this.now(), check, refreshAfter: 0 });
  }

  delete(key: CacheKey): boolean {
    return this.lru.delete(key);
  }

  /** Every key, for invalidation by prefix (storage writes; not on a hot path). */
  keys(): IterableIterator<CacheKey> {
    return this.lru.keys();
  }

  /**
   * Sends `fetch` once for all identical calls: joins the flight in progress
   * for `key` (same `epoch`) unless `coalesce` is false, else starts one.
   * The flight runs with the first caller's deadline and no caller's signal;
   * each caller waits with its own signal and deadline, and the flight is
   * aborted once every caller has left. `store` decides if the answer is kept.
   */
  shared(
    key: CacheKey,
    epoch: number,
    coalesce: boolean,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Promise<UnaryResponse> {
    let flight = coalesce ? this.flights.get(key) : undefined;
    if (flight !== undefined && flight.epoch === epoch) {
      this.metrics.cacheCoalesced++;
    } else {
      flight = this.fly(key, epoch, timeoutMs, fetch, onAnswer);
    }
    const f = flight;
    f.waiting++;
    const deadline = timeoutMs === undefined ? Infinity : this.now() + timeoutMs;
    const ownTimeout = deadline < f.deadline ? timeoutMs : undefined;
    return waitAsCaller(f.promise, signal, ownTimeout, () => {
      if (--f.waiting === 0) f.controller.abort(new ConnectError("every caller of the request left", Code.Canceled));
    });
  }

  /** Starts a flight no caller waits on (a background refresh). */
  background(
    key: CacheKey,
    epoch: number,
    timeoutMs: number | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Promise<UnaryResponse> {
    const existing = this.flights.get(key);
    if (existing !== undefined && existing.epoch === epoch) return existing.promise;
    return this.fly(key, epoch, timeoutMs, fetch, onAnswer).promise;
  }

  private fly(
    key: CacheKey,
    epoch: number,
    timeoutMs: number | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Flight {
    const controller = new AbortController();
    const promise = fetch(controller.signal, timeoutMs).then((response) => {
      onAnswer(response);
      return response;
    });
    const flight: Flight = {
      promise,
      controller,
      deadline: timeoutMs === undefined ? Infinity : this.now() + timeoutMs,
      epoch,
      waiting: 0,
    };
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    // Also marks the rejection handled when every caller has left.
    promise.then(land, land);
    return flight;
  }
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  if (ArrayBuffer.isView(value)) return; // typed arrays cannot be frozen
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
}
