/**
 * Replaces: `codeFromHttpStatus` of `@connectrpc/connect/protocol-connect` and `/protocol-grpc` (2.1.2), the same
 * table, which the Node path imports (`src/protocol-grpc/unary-protocol-node.ts`).
 * Reason: the fetch transport imports nothing from Connect's protocol modules, so an edge bundle carries none of
 * them (BENCHMARKS.md, "Fetch transport bundle against connect-web" and "Edge bundle"); this table alone was not
 * measured apart. test/web/wire-status.test.ts holds it equal to both of Connect's, status by status.
 * Depends on: `@connectrpc/connect` 2.1.2 exactly (`Code`).
 */
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
