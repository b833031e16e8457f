import { Code } from "@connectrpc/connect";

// gRPC's names of the codes (rpc.response.status_code on gRPC, the TCP binding and success).
const grpcNames: Readonly<Record<Code, string>> = {
  [Code.Canceled]: "CANCELLED",
  [Code.Unknown]: "UNKNOWN",
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.AlreadyExists]: "ALREADY_EXISTS",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.ResourceExhausted]: "RESOURCE_EXHAUSTED",
  [Code.FailedPrecondition]: "FAILED_PRECONDITION",
  [Code.Aborted]: "ABORTED",
  [Code.OutOfRange]: "OUT_OF_RANGE",
  [Code.Unimplemented]: "UNIMPLEMENTED",
  [Code.Internal]: "INTERNAL",
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.DataLoss]: "DATA_LOSS",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
};

/** gRPC's name of a code (`DEADLINE_EXCEEDED`); `OK` for success (undefined). */
export function grpcStatusName(code: Code | undefined): string {
  return code === undefined ? "OK" : (grpcNames[code] ?? "UNKNOWN");
}

/** The Connect protocol's name of an error code (`deadline_exceeded`, `canceled`). */
export function connectCodeName(code: Code): string {
  return code === Code.Canceled ? "canceled" : grpcStatusName(code).toLowerCase();
}
