import { Code } from "@connectrpc/connect";

/**
 * The code of a failed call that carries no status of its own (a proxy's
 * 502, a 404 from the wrong host), from its HTTP status. Connect and gRPC-web
 * share this table: https://connectrpc.com/docs/protocol#http-to-error-code
 * and https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}
