import { createContextKey, createContextValues, type ContextKey, type ContextValues } from "@connectrpc/connect";
import type { FallbackReason } from "./client-event.js";

/**
 * How the response cache answered a call:
 * - `hit`: from a fresh entry;
 * - `stale`: from a stale entry, refreshed in the background;
 * - `miss`: sent to the service (not cached, bypassed or refreshed);
 * - `coalesced`: not cached; joined an identical request already in flight;
 * - `stale-if-error`: sent, failed, and answered from a stale entry.
 *
 * @public
 */
export type CacheOutcome = "hit" | "stale" | "miss" | "coalesced" | "stale-if-error";

/**
 * What the client's layers did with one call, written as they do it, for a
 * telemetry integration (see {@link ClientTelemetry}) to read when the call
 * ends. Only calls of a client with `telemetry` carry notes.
 *
 * @public
 */
export interface CallNotes {
  /** The cache's answer; undefined when the method is not cached (or the cache is off). */
  cache: CacheOutcome | undefined;
  /** Attempts the retry layer sent (1 without retries); 0 when no attempt went through it. */
  attempts: number;
  /** A hedged attempt was sent. */
  hedged: boolean;
  /** The hedged attempt answered first. */
  hedgeWon: boolean;
  /** Why the local fallback answered; undefined when it did not. */
  fallback: FallbackReason | undefined;
  /**
   * Free for the telemetry integration: the trace context it propagates on
   * every attempt (the layers below copy nothing from it).
   */
  trace: unknown;
}

/** Where a call's {@link CallNotes} travel: in its context values. */
export const callNotesKey = createContextKey<CallNotes | undefined>(undefined);

/** Fresh notes for one call. */
export function newCallNotes(): CallNotes {
  return { cache: undefined, attempts: 0, hedged: false, hedgeWon: false, fallback: undefined, trace: undefined };
}

/**
 * The notes of a call, if its client records them. Layers call it only on
 * paths that are already slow (a retry, a hedge, a fallback) or after
 * checking `ClientMetrics.noting`, so a client without telemetry pays nothing.
 */
export function callNotesOf(contextValues: ContextValues | undefined): CallNotes | undefined {
  return contextValues === undefined ? undefined : contextValues.get(callNotesKey);
}

/** Tells the call's telemetry, if it has any, how the cache answered it. */
export function noteCache(contextValues: ContextValues | undefined, outcome: CacheOutcome): void {
  const notes = callNotesOf(contextValues);
  if (notes !== undefined) notes.cache = outcome;
}

/**
 * The caller's context values with the call's notes added under `key` (the
 * client's {@link callNotesKey}, as the telemetry was given it: a separately
 * bundled integration has its own copy of this module). The caller's own
 * object is left untouched (it may be shared by calls running at once).
 */
export function withCallNotes(
  contextValues: ContextValues | undefined,
  key: ContextKey<CallNotes | undefined>,
  notes: CallNotes,
): ContextValues {
  if (contextValues === undefined) return createContextValues().set(key, notes);
  return new NotedContextValues(contextValues, key, notes);
}

/** The caller's values, read and written through, with the notes on top. */
class NotedContextValues implements ContextValues {
  constructor(
    private readonly inner: ContextValues,
    private readonly key: ContextKey<CallNotes | undefined>,
    private readonly notes: CallNotes,
  ) {}
  get<T>(key: ContextKey<T>): T {
    return key.id === this.key.id ? (this.notes as T) : this.inner.get(key);
  }
  set<T>(key: ContextKey<T>, value: T): this {
    this.inner.set(key, value);
    return this;
  }
  delete(key: ContextKey<unknown>): this {
    this.inner.delete(key);
    return this;
  }
}
