import { getAbortSignalReason } from "@connectrpc/connect/protocol";
import { deadlineExceeded } from "./deadline.js";
import { deadlineTimers, type DeadlineTarget } from "./deadline-timers.js";

/**
 * What the pool and its connections read of a call's cancellation: an
 * `AbortSignal` is one, and so is a {@link CallDeadline}.
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Why a call signal aborted: its reason, or an `AbortError` where a runtime left it unset. */
export function callSignalReason(signal: CallSignal): unknown {
  return getAbortSignalReason(signal as AbortSignal);
}

/**
 * A unary call's deadline and its caller's signal as one {@link CallSignal},
 * without an `AbortController`: creating one, with an abort listener in the
 * pool and another in the connection, was about a third of the transport's
 * CPU per call. It aborts once, with `DeadlineExceeded` when `timeoutMs`
 * passes, or with the caller signal's reason; listeners run once, in order.
 * The deadline rides on the shared {@link deadlineTimers}, not a timer of
 * its own, unless `ownTimer` is set: in a Worker a timer belongs to the
 * request that armed it and may never fire once that request has ended, so
 * there a deadline shared with another request's calls could be missed (and
 * every later one behind it), and each call arms its own. Call
 * {@link CallDeadline.dispose} when the call is settled.
 */
export class CallDeadline implements CallSignal, DeadlineTarget {
  aborted = false;
  reason: unknown = undefined;
  deadlineLane: object | undefined = undefined;
  deadlineTicket = 0;
  /** The first listener, without an array: a pooled call has exactly one (the pool's). */
  private first: (() => void) | undefined;
  private rest: (() => void)[] | undefined;
  private readonly onCallerAbort: (() => void) | undefined;
  /** The call's own timer, with `ownTimer`. */
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param timeoutMs - the deadline, from now; undefined: none
   * @param caller - the caller's signal, if any
   * @param ownTimer - arm a timer for this call alone instead of the shared
   *   timers (Workers, see above). Default false.
   */
  constructor(
    timeoutMs: number | undefined,
    private readonly caller: AbortSignal | undefined,
    ownTimer = false,
  ) {
    if (caller?.aborted) {
      this.abort(getAbortSignalReason(caller));
      return;
    }
    if (caller) caller.addEventListener("abort", (this.onCallerAbort = () => this.abort(getAbortSignalReason(caller))), { once: true });
    if (timeoutMs === undefined) return;
    if (ownTimer) this.timer = setTimeout(() => this.onDeadline(), timeoutMs);
    else deadlineTimers.arm(timeoutMs, this);
  }

  onDeadline(): void {
    this.abort(deadlineExceeded());
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.dispose();
    const { first, rest } = this;
    this.first = undefined;
    this.rest = undefined;
    first?.();
    if (rest) for (const l of rest) l();
  }

  addEventListener(_type: "abort", listener: () => void): void {
    // Like an AbortSignal: a listener added after the abort never runs.
    if (this.aborted) return;
    // In order: `first` only while no later listener waits in `rest`.
    if (this.first === undefined && (this.rest === undefined || this.rest.length === 0)) this.first = listener;
    else (this.rest ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.first === listener) {
      this.first = undefined;
      return;
    }
    const i = this.rest?.indexOf(listener) ?? -1;
    if (i >= 0) this.rest!.splice(i, 1);
  }

  /** Cancels the deadline and lets go of the caller's signal. */
  dispose(): void {
    if (this.deadlineLane !== undefined) deadlineTimers.cancel(this);
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.onCallerAbort) this.caller!.removeEventListener("abort", this.onCallerAbort);
  }
}

/** An `AbortSignal` that follows a call signal, for APIs that need a real one (socket connectors). */
export function toAbortSignal(signal: CallSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(callSignalReason(signal));
  else signal.addEventListener("abort", () => controller.abort(callSignalReason(signal)), { once: true });
  return controller.signal;
}
