import { Code, ConnectError } from "@connectrpc/connect";

/** Connect's own wording of a passed deadline; transports and shared waits use it too. */
export const timedOutMessage = "the operation timed out";

/**
 * The deadline a call runs under, by Connect's rule: `timeoutMs` undefined
 * takes `fallback` (a client's or transport's default, or none), `<= 0`
 * means no deadline.
 */
export function effectiveTimeout(timeoutMs: number | undefined, fallback: number | undefined): number | undefined {
  if (timeoutMs === undefined) return fallback;
  return timeoutMs <= 0 ? undefined : timeoutMs;
}

/**
 * The error of a call whose deadline passed, in Connect's wording: every
 * transport's timer and every shared wait rejects with it, and the client's
 * outer layer (`callError`) names the method and the deadline.
 */
export function deadlineExceeded(): ConnectError {
  return new ConnectError(timedOutMessage, Code.DeadlineExceeded);
}
