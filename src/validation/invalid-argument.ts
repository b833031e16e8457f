import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The error for a bad argument: `ConnectError` with `Code.InvalidArgument`,
 * its message starting with the path of the offending field
 * (`requests[2].customerId: must not be empty`), so callers and logs can tell
 * which value to fix. Values are never echoed: they may be personal data.
 */
export function invalidArgument(field: string, problem: string): ConnectError {
  return new ConnectError(`${field}: ${problem}`, Code.InvalidArgument);
}
