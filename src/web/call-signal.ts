import { Code, ConnectError } from "@connectrpc/connect";
import { linkedAbort } from "../resilience/linked-abort.js";

/**
 * One call's cancellation, for calls made without interceptors (with them,
 * Connect's `runUnaryCall` does the same job). The signal aborts when the
 * caller's signal does (with its reason, which the call reports as
 * `Canceled` unless it is a `ConnectError`) or when the deadline passes
 * (reason: `DeadlineExceeded`), whichever comes first.
 *
 * States: live -> aborted (first cause wins, reason fixed) -> done, or
 * live -> done. `done()` must be called once the call settles either way:
 * it clears the deadline timer and the listener on the caller's signal, so a
 * long-lived caller signal does not collect one listener per call.
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  /** Releases the timer and the listener. Idempotent. */
  done(): void;
}

/** See {@link CallSignal}; `timeoutMs` undefined: no deadline. */
export function createCallSignal(caller: AbortSignal | undefined, timeoutMs: number | undefined): CallSignal {
  const link = linkedAbort(caller);
  const timer =
    timeoutMs === undefined || link.signal.aborted
      ? undefined
      : setTimeout(() => link.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
  return {
    signal: link.signal,
    done() {
      clearTimeout(timer);
      link.unlink();
    },
  };
}
