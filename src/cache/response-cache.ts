import { Code, ConnectError, type UnaryResponse } from "@connectrpc/connect";
import { LRUCache } from "lru-cache";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { codeOf } from "../call/call-errors.js";
import { waitAsCaller } from "../call/caller-wait.js";
import type { WaitUntil } from "./background-wait-until.js";
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

/**
 * A request in flight that identical calls join (coalescing). It leaves the
 * table when it settles, when every caller has left it, or once its own
 * deadline has passed: a flight still pending then is one the runtime has
 * cancelled without settling it (workerd does so to the work of a request
 * that has answered), and a later call must not join it.
 */
interface Flight {
  readonly promise: Promise<UnaryResponse>;
  readonly controller: AbortController;
  /** When the flight's own request must have ended (`performance.now()` ms); Infinity without a deadline. */
  readonly deadline: number;
  readonly epoch: number;
  /** Callers waiting on it, plus one while the cache itself holds a background refresh. */
  waiting: number;
}

/** What the cache's background refreshes need from the client. */
export interface BackgroundOptions {
  /** Deadline of a refresh whose caller has none: the client's `timeoutMs`. */
  readonly timeoutMs: number;
  /** The client's `waitUntil`, if given; a call's `backgroundWaitUntil` takes precedence. */
  readonly waitUntil: WaitUntil | undefined;
}

// Flights past their deadline that no call looked up again are swept at most this often.
const SWEEP_INTERVAL_MS = 1_000;

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
  private readonly maxEntries: number;
  private nextSweep = 0;

  constructor(
    readonly options: ResolvedCacheOptions,
    readonly metrics: ClientMetrics,
    readonly backgroundOptions: BackgroundOptions,
  ) {
    this.now = options.now;
    this.ttlMs = options.ttlMs;
    this.staleMs = options.ttlMs + options.staleWhileRevalidateMs;
    this.spareMs = options.ttlMs + options.staleIfErrorMs;
    this.maxAgeMs = Math.max(this.staleMs, this.spareMs);
    this.maxEntries = options.maxEntries;
    // No `max`: lru-cache would allocate its arrays for every entry up front
    // (10,000 by default, about 200 KB), which a cold start's first call then
    // pays for in an extra scavenge. The entry bound is kept by store().
    this.lru = new LRUCache<CacheKey, CacheEntry>({
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

  /** The entry for `key` if it is still of some use at `now` (the cache's clock), else `undefined` (and it is dropped). */
  lookup(key: CacheKey, check: string, now = this.now()): CacheEntry | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined || entry.check !== check) return undefined;
    if (now - entry.storedAt >= this.maxAgeMs) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /** How old a looked-up entry is at `now` (the cache's clock). */
  age(entry: CacheEntry, now = this.now()): EntryAge {
    const age = now - entry.storedAt;
    if (age < this.ttlMs) return "fresh";
    return age < this.staleMs ? "stale" : "spare";
  }

  /** Whether a spare (or stale) entry may stand in for a failure. */
  usableOnError(entry: CacheEntry | undefined): entry is CacheEntry {
    return entry !== undefined && this.now() - entry.storedAt < this.spareMs;
  }

  /** Keeps an answer; `storedAt` (default now) is when it was fresh from the service, for one that was cached elsewhere first. */
  store(key: CacheKey, check: string, response: UnaryResponse, storedAt = this.now()): void {
    // Nested values are shared with every caller's copy, so they are frozen.
    // The message itself is only ever copied, and stays unfrozen: spreading a
    // frozen object takes V8's slow path, a third of a hit's cost.
    const message = response.message as Record<string, unknown>;
    for (const field in message) deepFreeze(message[field]);
    this.lru.set(key, { response, storedAt, check, refreshAfter: 0 });
    // The least recently used entry goes, never the one just stored (the most recent).
    if (this.lru.size > this.maxEntries) this.lru.pop();
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
   * The flight runs with the first caller's deadline and no caller's signal.
   * Every caller waits with its own signal; a caller who joined also with its
   * own deadline, whatever the flight's (the flight may be another request's
   * that the runtime cancelled and that will never settle); when the flight
   * fails with `DeadlineExceeded` before that caller's (finite) deadline, the
   * caller tries again with the time it has left. The flight is aborted, and
   * leaves the table, once every caller has left. `onAnswer` decides if the
   * answer is kept.
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
    const joined = coalesce ? this.joinable(key, epoch) : undefined;
    const f = joined ?? this.fly(key, epoch, timeoutMs, fetch, onAnswer);
    f.waiting++;
    if (joined === undefined) {
      // The caller who started the flight waits on its own request, which carries its deadline.
      return waitAsCaller(f.promise, signal, undefined, () => this.leave(key, f));
    }
    this.metrics.cacheCoalesced++;
    const wait = waitAsCaller(f.promise, signal, timeoutMs, () => this.leave(key, f));
    if (timeoutMs === undefined) return wait;
    const deadline = performance.now() + timeoutMs;
    if (deadline <= f.deadline) return wait;
    // The flight ends before this caller's deadline: if it ends for lack of
    // time, the caller sends (or joins) another request with the time it has left.
    return wait.catch((e: unknown) => {
      const left = Math.floor(deadline - performance.now());
      if (codeOf(e) !== Code.DeadlineExceeded || signal?.aborted || left < 1) throw e;
      return this.shared(key, epoch, coalesce, signal, left, fetch, onAnswer);
    });
  }

  /**
   * Refreshes `key` in the background: no caller waits on it, and its answer
   * is kept if `onAnswer` says so. `timeoutMs` undefined takes the client's.
   * With a `waitUntil` (the call's, else the client's), the refresh is handed
   * to it and is a flight that misses join. Without one, the platform may
   * cancel it with the request that started it, so no call joins it and
   * nothing waits on it: it is bounded by its deadline and simply dropped.
   * Joins a flight already in progress for `key` instead of starting another.
   * Settles (at the latest at the deadline, unless the platform cancelled it).
   */
  background(
    key: CacheKey,
    epoch: number,
    timeoutMs: number | undefined,
    callWaitUntil: WaitUntil | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Promise<UnaryResponse> {
    const existing = this.joinable(key, epoch);
    if (existing !== undefined) return existing.promise;
    const refreshMs = timeoutMs ?? this.backgroundOptions.timeoutMs;
    const waitUntil = callWaitUntil ?? this.backgroundOptions.waitUntil;
    if (waitUntil === undefined) return this.send(new AbortController().signal, refreshMs, fetch, onAnswer);
    const flight = this.fly(key, epoch, refreshMs, fetch, onAnswer);
    // Held by the cache until it settles, so callers who join and leave never abort it.
    flight.waiting++;
    const settled = flight.promise.then(noop, noop);
    try {
      waitUntil(settled);
    } catch {
      // A waitUntil that throws (Workers' ctx.waitUntil called without its ctx)
      // keeps nothing alive: the refresh is left to chance, and not joined.
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
    return flight.promise;
  }

  /** The flight a call may join for `key`, dropping it if its deadline has passed. */
  private joinable(key: CacheKey, epoch: number): Flight | undefined {
    const flight = this.flights.get(key);
    if (flight === undefined || flight.epoch !== epoch) return undefined;
    if (performance.now() >= flight.deadline) {
      // Its request should have ended by now: one the runtime cancelled without settling it.
      this.flights.delete(key);
      return undefined;
    }
    return flight;
  }

  /** A caller left the flight early; the last one out aborts it. */
  private leave(key: CacheKey, flight: Flight): void {
    if (--flight.waiting > 0) return;
    if (this.flights.get(key) === flight) this.flights.delete(key);
    flight.controller.abort(new ConnectError("every caller of the request left", Code.Canceled));
  }

  private send(
    signal: AbortSignal,
    timeoutMs: number | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Promise<UnaryResponse> {
    return fetch(signal, timeoutMs).then((response) => {
      onAnswer(response);
      return response;
    });
  }

  private fly(
    key: CacheKey,
    epoch: number,
    timeoutMs: number | undefined,
    fetch: (signal: AbortSignal, timeoutMs: number | undefined) => Promise<UnaryResponse>,
    onAnswer: (response: UnaryResponse) => void,
  ): Flight {
    const started = performance.now();
    this.sweep(started);
    const controller = new AbortController();
    const flight: Flight = {
      promise: this.send(controller.signal, timeoutMs, fetch, onAnswer),
      controller,
      deadline: timeoutMs === undefined ? Infinity : started + timeoutMs,
      epoch,
      waiting: 0,
    };
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    // Also marks the rejection handled when every caller has left.
    flight.promise.then(land, land);
    return flight;
  }

  /** Drops flights past their deadline that no call has looked up since (they never settle). */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, flight] of this.flights) if (now >= flight.deadline) this.flights.delete(key);
  }
}

function noop(): void {}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  if (ArrayBuffer.isView(value)) return; // typed arrays cannot be frozen
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
}
