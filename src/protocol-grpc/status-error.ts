import { Code, ConnectError } from "@connectrpc/connect";
import { decodeBase64 } from "../protocol/decode-base64.js";
import { decodeGoogleRpcStatus } from "./google-rpc-status.js";

/**
 * The error a gRPC(-web) status carries, from a trailer or from the headers
 * of a trailers-only response; undefined when the status is OK or absent.
 * `grpc-status-details-bin` wins over `grpc-status` / `grpc-message` when it
 * decodes (it is the richer form, with details); otherwise the plain fields.
 */
export function grpcStatusError(fields: Headers): ConnectError | undefined {
  const detailsBin = fields.get("grpc-status-details-bin");
  if (detailsBin !== null) {
    try {
      const status = decodeGoogleRpcStatus(decodeBase64(detailsBin));
      if (status.code === 0) return undefined;
      if (status.code > 0 && status.code <= 16) {
        const error = new ConnectError(status.message, status.code as Code, fields);
        error.details = status.details;
        return error;
      }
    } catch {
      // Malformed details: the plain fields below still say what happened.
    }
  }
  const raw = fields.get("grpc-status");
  if (raw === null || raw === "0") return undefined;
  const code = Number(raw);
  if (!/^\d{1,2}$/.test(raw) || code < 1 || code > 16) {
    return new ConnectError(`protocol error: invalid grpc-status ${raw.slice(0, 16)}`, Code.Internal, fields);
  }
  return new ConnectError(grpcMessage(fields) ?? "", code as Code, fields);
}

/** `grpc-message`, percent-decoded; a malformed encoding is shown as sent. */
export function grpcMessage(fields: Headers): string | undefined {
  const raw = fields.get("grpc-message");
  if (raw === null) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
