import type { CustomerEvent, LTVPredictionRequest } from "../gen/syncvalue/v1/syncvalue_pb.js";

/**
 * What is remembered of one `LTVPredictionRequest` object the caller sends
 * again and again (a cache hit's usual shape): that it passed validation, its
 * cache key, and every value those were computed from, so that either is
 * reused only while nothing in the object changed.
 *
 * The values (`leaves`) are recorded in one walk and compared in the same
 * walk: every scalar field but `requestId` and `timestampMs` (strings,
 * bigints, numbers with their sign of zero; NaN never matches), the identity and length of each array, the
 * identity of each event and map object, and each map's enumerable keys and
 * values in order. About fifty comparisons for a request with five events,
 * instead of validating the request and hashing its strings again. Any
 * difference (a field set, an event replaced or changed, an array pushed to
 * or popped, a map entry added, changed, removed or re-inserted) fails the
 * comparison, and the caller takes the full path and records the new values.
 *
 * `requestId` and `timestampMs` are left out: they are not in the key, and
 * the validation checks them on every call (two cheap checks), so a request
 * object reused with a new id per call keeps its memo.
 *
 * A request is only remembered from its second call on: the first is recorded
 * as seen and nothing more, so a caller building a new request per call pays
 * one `WeakMap` entry per request and no copy of its values.
 */
export class PredictionRequestMemo {
  /** The request passed validation with these values. */
  validated = false;
  /** The request's cache key, computed from these values (undefined until the cache asks). */
  key: number | undefined = undefined;
  private leaves: unknown[] = [];

  constructor(request: LTVPredictionRequest) {
    this.record(request);
  }

  /** Whether every value of `request` it records (all but `requestId` and `timestampMs`) is the one recorded. */
  matches(request: LTVPredictionRequest): boolean {
    const l = this.leaves;
    // Strings and bigints compare by value with ===; numbers with sameNumber (the sign of zero counts).
    if (
      l[0] !== request.$typeName ||
      l[1] !== request.customerId ||
      l[2] !== request.platform ||
      !sameNumber(l[3], request.currentCac) ||
      l[4] !== request.campaignId ||
      l[5] !== request.adGroupId
    ) {
      return false;
    }
    // An array, event or map that is the very object recorded is still of its type
    // (it passed validation then): only its contents need comparing.
    const features = request.features;
    if (l[6] !== features || l[7] !== features.length) return false;
    let i = 8;
    for (let f = 0; f < features.length; f++) if (!sameNumber(l[i++], features[f])) return false;
    const events = request.eventHistory;
    if (l[i++] !== events || l[i++] !== events.length) return false;
    for (let e = 0; e < events.length; e++) {
      const event: CustomerEvent = events[e]!;
      if (
        l[i++] !== event ||
        l[i++] !== event.timestampMs ||
        l[i++] !== event.eventType ||
        !sameNumber(l[i++], event.eventValue) ||
        l[i++] !== event.source
      ) {
        return false;
      }
      i = matchMap(l, i, event.attributes);
      if (i < 0) return false;
    }
    i = matchMap(l, i, request.metadata);
    return i === l.length;
  }

  /** Records `request`'s values anew, forgetting what was known of the old ones. */
  record(request: LTVPredictionRequest): void {
    this.validated = false;
    this.key = undefined;
    const l: unknown[] = [
      request.$typeName,
      request.customerId,
      request.platform,
      request.currentCac,
      request.campaignId,
      request.adGroupId,
    ];
    // Only called on a request that passed validation: arrays, events and maps are what they should be.
    const features = request.features;
    l.push(features, features.length);
    for (let f = 0; f < features.length; f++) l.push(features[f]);
    const events = request.eventHistory;
    l.push(events, events.length);
    for (let e = 0; e < events.length; e++) {
      const event = events[e]!;
      l.push(event, event.timestampMs, event.eventType, event.eventValue, event.source);
      recordMap(l, event.attributes);
    }
    recordMap(l, request.metadata);
    this.leaves = l;
  }
}

// A map: its identity, then each enumerable key (own or inherited, as
// `for...in` sees them, which covers what the validation and the key read)
// and value in order, then their count.
function recordMap(l: unknown[], map: { [key: string]: string }): void {
  l.push(map);
  let n = 0;
  for (const k in map) {
    l.push(k, map[k]);
    n++;
  }
  l.push(n);
}

// The index after the map's values when they match, else -1.
function matchMap(l: unknown[], i: number, map: { [key: string]: string }): number {
  if (l[i++] !== map) return -1;
  let n = 0;
  for (const k in map) {
    // Recorded values are strings (they passed validation), so === is exact.
    if (l[i++] !== k || l[i++] !== map[k]) return -1;
    n++;
  }
  return l[i++] === n ? i : -1;
}

// Object.is for numbers, without its call: NaN never matches (the full path rejects it).
function sameNumber(a: unknown, b: number): boolean {
  return a === b && (b !== 0 || 1 / (a as number) === 1 / b);
}

// A request seen once (SEEN) or more (its memo). Module-wide: what it holds
// depends only on the request, not on the client that sent it.
const SEEN = 0;
const memos = new WeakMap<LTVPredictionRequest, PredictionRequestMemo | typeof SEEN>();

/**
 * The memo of `request` if one is recorded and still matches every value,
 * else undefined.
 */
export function recallPredictionRequest(request: LTVPredictionRequest): PredictionRequestMemo | undefined {
  const memo = memos.get(request);
  return memo !== undefined && memo !== SEEN && memo.matches(request) ? memo : undefined;
}

/**
 * After a request passed the full path: the memo to fill in for the next
 * call (its values recorded now), or undefined on its first call, which is
 * only noted as seen. Call it only with a request that passed validation.
 */
export function memoForNextCall(request: LTVPredictionRequest): PredictionRequestMemo | undefined {
  const memo = memos.get(request);
  if (memo === undefined) {
    memos.set(request, SEEN);
    return undefined;
  }
  if (memo === SEEN) {
    const fresh = new PredictionRequestMemo(request);
    memos.set(request, fresh);
    return fresh;
  }
  memo.record(request);
  return memo;
}

/**
 * The request the validation layer has just checked (and its memo, if it has
 * one), known to the layers below it only while the call descends through
 * them synchronously: the validation layer notes it before passing the call
 * on and forgets it when that returns, and a layer of the user's (or of a
 * telemetry integration) forgets it when entered, since its code might change
 * the request. So the cache layer below takes the memo it is handed without
 * comparing the values a second time. `memo` undefined: a request with no memo
 * yet (its first or second call), whose key is computed afresh.
 */
let verifiedRequest: LTVPredictionRequest | undefined;
let verifiedMemo: PredictionRequestMemo | undefined;

/** Notes that `request` has just passed validation, with its memo if it has one. */
export function noteVerifiedRequest(request: LTVPredictionRequest, memo: PredictionRequestMemo | undefined): void {
  verifiedRequest = request;
  verifiedMemo = memo;
}

/** Forgets the noted request: the call left the layers that may trust it, or foreign code runs next. */
export function forgetVerifiedRequest(): void {
  verifiedRequest = undefined;
  verifiedMemo = undefined;
}

/**
 * The memo of `request`, trusting the validation layer's note when it is this
 * very request (then undefined means none yet), else comparing every value.
 */
export function verifiedOrRecalled(request: LTVPredictionRequest): PredictionRequestMemo | undefined {
  return request === verifiedRequest ? verifiedMemo : recallPredictionRequest(request);
}
