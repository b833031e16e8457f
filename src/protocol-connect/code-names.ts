import { Code } from "@connectrpc/connect";

// The Connect protocol names codes in snake_case (`"unavailable"`,
// `"invalid_argument"`); index = the numeric Code. A literal table, not one
// derived from the Code enum at run time, so it costs a few bytes.
const names = [
  "",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/**
 * The Code a Connect error body names (`{"code":"unavailable"}`), or
 * undefined for a name outside the protocol (the caller then falls back to
 * the HTTP status). `"ok"` is not an error code, so it is not accepted.
 */
export function codeFromConnectName(name: string): Code | undefined {
  const i = names.indexOf(name);
  return i > 0 ? (i as Code) : undefined;
}
