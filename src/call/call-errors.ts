import { Code, ConnectError } from "@connectrpc/connect";
import { timedOutMessage } from "./deadline.js";

/**
 * What a client call rejects with, as a `ConnectError`: a `ConnectError` as
 * is, anything else by Connect's rules (`Unknown`, `Canceled` for an
 * `AbortError`). A passed deadline is said with the method and the deadline,
 * e.g. `PredictLTV: deadline of 100 ms exceeded`; a more specific message
 * (a server's) follows it, and the original error stays as `cause`.
 */
export function callError(e: unknown, methodName: string, timeoutMs: number | undefined): ConnectError {
  const error = ConnectError.from(e);
  if (error.code !== Code.DeadlineExceeded || timeoutMs === undefined) return error;
  const detail = error.rawMessage === timedOutMessage ? "" : `: ${error.rawMessage}`;
  const named = new ConnectError(`${methodName}: deadline of ${timeoutMs} ms exceeded${detail}`, Code.DeadlineExceeded, error.metadata, undefined, error);
  named.details = error.details; // a server's details, as parsed: findDetails() still reads them
  return named;
}

/** The error of a call its caller aborted, with Connect's rules for the reason. */
export function canceledBy(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason, Code.Canceled);
}

/** The code of any thrown value, as Connect would report it. */
export function codeOf(e: unknown): Code {
  return e instanceof ConnectError ? e.code : ConnectError.from(e).code;
}
