/**
 * An answer a layer has at hand when it is called (a fresh or stale cache
 * hit), handed up without a promise hop per layer: {@link readyAnswer}
 * returns an already-resolved promise of it and remembers the pair, and a
 * layer above that gets this very promise back reads the answer at once with
 * {@link answerAtHand} instead of chaining `.then` (a promise, a closure and
 * a microtask per layer).
 *
 * One slot, for the latest ready answer only: a promise is recognised by
 * identity, and the slot always holds a promise together with the value it
 * was resolved with, so whatever ran in between (other calls, user layers
 * returning an older promise) the value read is that promise's own, or none.
 */
let readyPromise: Promise<unknown> | undefined;
let readyValue: unknown;

/** `Promise.resolve(value)`, remembered for {@link answerAtHand}. `value` must not be a thenable. */
export function readyAnswer<T extends object>(value: T): Promise<T> {
  const promise = Promise.resolve(value);
  readyPromise = promise;
  readyValue = value;
  return promise;
}

/** The value of `promise` if it is the latest {@link readyAnswer}, else undefined (wait for it as usual). */
export function answerAtHand<T>(promise: Promise<T>): T | undefined {
  return promise === readyPromise ? (readyValue as T) : undefined;
}
