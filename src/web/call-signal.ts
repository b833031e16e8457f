import { Code, ConnectError } from "@connectrpc/connect";

/**
 * One call's cancellation, for calls made without interceptors (with them,
 * Connect's `runUnaryCall` does the same job). The signal aborts when the
 * caller's signal does (reason: `Canceled`, or the caller's own
 * `ConnectError`) or when the deadline passes (reason: `DeadlineExceeded`),
 * whichever comes first; the reason is the error the call rejects with.
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
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(ConnectError.from(caller!.reason ?? "operation was aborted", Code.Canceled));
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (caller?.aborted) onCallerAbort();
  else {
    caller?.addEventListener("abort", onCallerAbort);
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
    }
  }
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onCallerAbort);
    },
  };
}
