import { Code, ConnectError } from "@connectrpc/connect";

/** The error of a call whose own deadline passed while it waited on a shared request. */
export function deadlineExceeded(): ConnectError {
  // Same wording as Connect's own deadline error, so callers see one message.
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

/** The error of a call its caller aborted, with Connect's rules for the reason. */
export function canceledBy(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason, Code.Canceled);
}

/** The code of any thrown value, as Connect would report it. */
export function codeOf(e: unknown): Code {
  return e instanceof ConnectError ? e.code : ConnectError.from(e).code;
}
