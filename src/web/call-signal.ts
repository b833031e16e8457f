import { Code, ConnectError } from "@connectrpc/connect";
import { linkedAbort } from "../resilience/linked-abort.js";

/**
 * One call's cancellation, with interceptors or without (what Connect's
 * `runUnaryCall` sets up, without shipping its helpers). The signal aborts when the
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
  /**
   * Aborts the signal (reason undefined: an `AbortError`), as Connect does to
   * an intercepted call's signal once the call has settled, then `done()`.
   */
  end(reason?: unknown): void;
}

/** See {@link CallSignal}; `timeoutMs` undefined: no deadline. */
export function createCallSignal(caller: AbortSignal | undefined, timeoutMs: number | undefined): CallSignal {
  const link = linkedAbort(caller);
  const timer =
    timeoutMs === undefined || link.signal.aborted
      ? undefined
      : setTimeout(() => link.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
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
