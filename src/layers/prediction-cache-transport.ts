import { fromBinary, toBinary, type DescMethod } from "@bufbuild/protobuf";
import { createContextValues, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import {
  LTVPredictionResponseSchema,
  PredictionStatus,
  SyncValueService,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import { readyAnswer } from "../call/ready-answer.js";
import { noteCache } from "../metrics/call-notes.js";
import { allowFallback } from "../resilience/allow-fallback.js";
import { backgroundWaitUntil, badWaitUntil, type WaitUntil } from "../cache/background-wait-until.js";
import { cacheControl, type CacheControl } from "../cache/cache-control.js";
import { rememberedPredictionCacheKey } from "../cache/prediction-cache-key.js";
import { forgetVerifiedRequest } from "../validation/prediction-request-memo.js";
import type { CacheEntry, ResponseCache } from "../cache/response-cache.js";
import { openSharedCacheReader, sharedPredictionKey, type OpenableSharedCache, type SharedCacheHit } from "../cache/shared-prediction-cache.js";

// A failed background refresh is not tried again for this long.
const REFRESH_BACKOFF_MS = 1_000;

/**
 * Caches `predictLTV` answers in the client's {@link ResponseCache}:
 * fresh hits return at once (with the caller's `request_id`), stale entries
 * are served while one background call refreshes them, identical misses
 * share one request, and a stale entry stands in when the service fails or
 * only a `FALLBACK` answer came back. `FALLBACK` answers are never stored.
 * The request is a validated message here (the validation layer runs first).
 * A background refresh goes to the call's `backgroundWaitUntil` (else the
 * client's `waitUntil`), runs with the caller's deadline (else the client's),
 * and is the entry's only one until it ends or that deadline passes.
 *
 * With a shared cache (`cache.shared`), a miss asks it first (within its
 * time limit, inside the flight, so identical misses ask once) and goes to
 * the service only if it has no usable answer; the service's answers are
 * written to it without waiting.
 */
export function createPredictionCacheTransport(next: Transport, cache: ResponseCache): Transport {
  const predict = SyncValueService.method.predictLTV;
  const metrics = cache.metrics;
  // The background refresh wants the service's answer or nothing.
  const refreshContext = createContextValues().set(allowFallback, false);
  const options = cache.options;
  // The reader comes with the shared cache (sharedPredictionCache()): bundles without one do not carry it.
  const l2 =
    options.shared === undefined
      ? undefined
      : (options.shared as OpenableSharedCache)[openSharedCacheReader](options.sharedTimeoutMs, metrics, {
          decode: (bytes) => fromBinary(LTVPredictionResponseSchema, bytes),
          encode: (message) => toBinary(LTVPredictionResponseSchema, message),
          fallback: PredictionStatus.FALLBACK,
        });
  // Answers read from the shared cache, with when they were fresh from the service.
  const fromShared = new WeakMap<UnaryResponse, number>();
  const clock = () => cache.now();

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if ((method as DescMethod) !== (predict as DescMethod)) return next.unary(method, signal, timeoutMs, header, input, contextValues);
      let control: CacheControl = "default";
      let waitUntil: WaitUntil | undefined;
      if (contextValues !== undefined) {
        control = contextValues.get(cacheControl);
        waitUntil = contextValues.get(backgroundWaitUntil);
        // The caller's own ContextValues may run code: compare the request's values again below.
        forgetVerifiedRequest();
        if (waitUntil !== undefined && typeof waitUntil !== "function") {
          return Promise.reject(badWaitUntil("contextValues.backgroundWaitUntil"));
        }
      }
      if (control === "bypass") {
        metrics.cacheMisses++;
        if (metrics.noting) noteCache(contextValues, "miss");
        return next.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      const request = input as LTVPredictionRequest;
      const key = rememberedPredictionCacheKey(request);
      const check = request.customerId;
      // One clock reading for the lookup and the age.
      const now = cache.now();
      const entry = cache.lookup(key, check, now);
      if (entry !== undefined && control !== "refresh") {
        const age = cache.age(entry, now);
        if (age === "fresh") {
          metrics.cacheHits++;
          if (metrics.noting) noteCache(contextValues, "hit");
          // Ready: the layers above and the service client take it without a promise hop each.
          return readyAnswer(personal(entry.response, request.requestId)) as never;
        }
        if (age === "stale") {
          metrics.cacheStale++;
          if (metrics.noting) noteCache(contextValues, "stale");
          if (entry.refreshAfter <= now) {
            // One refresh at a time, even one the platform cancels and that never settles.
            entry.refreshAfter = now + (timeoutMs ?? cache.backgroundOptions.timeoutMs);
            cache
              .background(key, 0, timeoutMs, waitUntil, (s, t) => next.unary(predict, s, t, header, request, refreshContext), store)
              .catch(() => {
                entry.refreshAfter = cache.now() + REFRESH_BACKOFF_MS;
              });
          }
          return readyAnswer(personal(entry.response, request.requestId)) as never;
        }
      }
      metrics.cacheMisses++;
      const spare = entry;
      function store(response: UnaryResponse): void {
        const message = response.message as LTVPredictionResponse;
        if (message.status === PredictionStatus.FALLBACK) return;
        const freshAt = fromShared.get(response);
        if (freshAt !== undefined) return cache.store(key, check, response, freshAt);
        cache.store(key, check, response);
        if (l2 !== undefined && options.ttlMs >= 1) {
          l2.set(sharedPredictionKey(key, check), message, options.ttlMs, waitUntil ?? cache.backgroundOptions.waitUntil);
        }
      }
      const fetch =
        l2 === undefined || control === "refresh"
          ? (s: AbortSignal, t: number | undefined) => next.unary(predict, s, t, header, request, contextValues)
          : async (s: AbortSignal, t: number | undefined) => {
              const t0 = performance.now();
              const hit = await l2.get(sharedPredictionKey(key, check), t, options.ttlMs, clock);
              if (hit !== undefined) return sharedAnswer(hit);
              // The service gets the time the lookup left.
              const left = t === undefined ? undefined : Math.max(1, Math.floor(t - (performance.now() - t0)));
              return next.unary(predict, s, left, header, request, contextValues);
            };
      const coalesced = metrics.cacheCoalesced;
      const answer = cache.shared(
        key,
        0,
        control !== "refresh",
        signal,
        timeoutMs,
        fetch,
        store,
      );
      // shared() counts a call that joined a request in flight.
      if (metrics.noting) noteCache(contextValues, metrics.cacheCoalesced === coalesced ? "miss" : "coalesced");
      return answer.then(
        (response) => {
          if ((response.message as LTVPredictionResponse).status === PredictionStatus.FALLBACK && serveSpare(spare, contextValues)) {
            return personal(spare!.response, request.requestId);
          }
          return personal(response, request.requestId);
        },
        (e: unknown) => {
          if (!signal?.aborted && serveSpare(spare, contextValues)) return personal(spare!.response, request.requestId);
          throw e;
        },
      ) as never;
    },
    stream: (...args) => next.stream(...args),
  };

  /** An answer read from the shared cache, and when it was fresh (for store()). */
  function sharedAnswer({ message, freshAt }: SharedCacheHit): UnaryResponse {
    // Headers built at once: an answer from the shared cache has cost a round trip already.
    const response: UnaryResponse = { stream: false, service: predict.parent, method: predict, header: new Headers(), trailer: new Headers(), message };
    fromShared.set(response, freshAt);
    return response;
  }

  function serveSpare(entry: CacheEntry | undefined, contextValues: ContextValues | undefined): boolean {
    if (!cache.usableOnError(entry)) return false;
    metrics.cacheStaleIfError++;
    noteCache(contextValues, "stale-if-error");
    return true;
  }
}

/** A copy of a shared (frozen) answer that carries the caller's `request_id`. */
function personal(response: UnaryResponse, requestId: string): UnaryResponse {
  return new PersonalResponse(response, { ...(response.message as LTVPredictionResponse), requestId });
}

/**
 * The answer `personal()` returns. Its headers come from the shared answer
 * through getters, read only if a caller reads them: the lean transports build
 * their `Headers` lazily (on a process's first call, building one loads Node's
 * fetch implementation). Prototype getters, because an object literal with
 * getters costs about 0.9 us to create in V8, more than the rest of a hit.
 */
class PersonalResponse implements UnaryResponse {
  readonly stream = false;
  readonly service: UnaryResponse["service"];
  readonly method: UnaryResponse["method"];
  constructor(
    private readonly shared: UnaryResponse,
    readonly message: LTVPredictionResponse,
  ) {
    this.service = shared.service;
    this.method = shared.method;
  }
  get header(): Headers {
    return this.shared.header;
  }
  get trailer(): Headers {
    return this.shared.trailer;
  }
}
