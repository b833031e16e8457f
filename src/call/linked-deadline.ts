import { deadlineExceeded } from "./deadline.js";
import { linkedAbort } from "./linked-abort.js";

/**
 * One call's cancellation as a real `AbortSignal`, for APIs that need one
 * (`fetch`), with interceptors or without (what Connect's `runUnaryCall` sets
 * up, without shipping its helpers): a {@link linkedAbort} that also aborts
 * when the deadline passes. The signal aborts when the caller's signal does
 * (with its reason, which the call reports as `Canceled` unless it is a
 * `ConnectError`) or when the deadline passes (reason: `DeadlineExceeded`),
 * whichever comes first. (The raw TCP path needs no real signal and uses the
 * lighter `CallDeadline` of `call-signal.ts`.)
 *
 * States: live -> aborted (first cause wins, reason fixed) -> done, or
 * live -> done. `done()` must be called once the call settles either way:
 * it clears the deadline timer and the listener on the caller's signal, so a
 * long-lived caller signal does not collect one listener per call.
 *
 * Why a timer per call here, not the shared `deadline-timers.ts` the socket
 * paths use: this serves fetch runtimes, and in a Worker a timer belongs to
 * the request that armed it (it does not run once that request is over), so
 * one timer shared by the calls of several requests could miss a deadline.
 * (The raw TCP path in a Worker arms a timer per call for the same reason:
 * `CallDeadline`'s `ownTimer`.)
 */
export interface LinkedDeadline {
  readonly signal: AbortSignal;
  /** Releases the timer and the listener. Idempotent. */
  done(): void;
  /**
   * Aborts the signal (reason undefined: an `AbortError`), as Connect does to
   * an intercepted call's signal once the call has settled, then `done()`.
   */
  end(reason?: unknown): void;
}

/** See {@link LinkedDeadline}; `timeoutMs` undefined: no deadline. */
export function linkedDeadline(caller: AbortSignal | undefined, timeoutMs: number | undefined): LinkedDeadline {
  const link = linkedAbort(caller);
  const timer = timeoutMs === undefined || link.signal.aborted ? undefined : setTimeout(() => link.abort(deadlineExceeded()), timeoutMs);
  const done = () => {
    clearTimeout(timer);
    link.unlink();
  };
  return {
    signal: link.signal,
    done,
    end(reason) {
      link.abort(reason);
      done();
    },
  };
}
