import { Code, ConnectError } from "@connectrpc/connect";
import { http2Constants } from "../protocol/connect-http-stack-node.js";
import { markNotProcessed } from "../resilience/not-processed.js";

const c = http2Constants;

/** The HTTP/2 error codes (RFC 9113 section 7), index = code, as Node names them in error messages. */
const names = [
  "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",
  "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
];

/**
 * The error of a call whose HTTP/2 stream the server reset before a gRPC
 * status arrived, by the gRPC spec's table
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#errors):
 * `REFUSED_STREAM` is `Unavailable` and branded not processed (safe to send
 * again, even a write), `CANCEL` `Canceled`, `ENHANCE_YOUR_CALM`
 * `ResourceExhausted`, `INADEQUATE_SECURITY` `PermissionDenied`; every other
 * code, `NO_ERROR` included (a status should have been sent), `Internal`.
 */
export function errorFromResetCode(rstCode: number): ConnectError {
  const name = nameOf(rstCode);
  switch (rstCode) {
    case c.NGHTTP2_REFUSED_STREAM:
      return markNotProcessed(new ConnectError(`http/2 stream refused by the server (${name}); it was not processed`, Code.Unavailable));
    case c.NGHTTP2_CANCEL:
      return new ConnectError(`http/2 stream cancelled by the server (${name})`, Code.Canceled);
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(`http/2 stream reset by the server (${name}): it is shedding load`, Code.ResourceExhausted);
    case c.NGHTTP2_INADEQUATE_SECURITY:
      return new ConnectError(`http/2 stream reset by the server (${name}): the connection is not secure enough`, Code.PermissionDenied);
    default:
      return new ConnectError(`http/2 stream reset by the server (${name}) before a gRPC status`, Code.Internal);
  }
}

/**
 * The reset code of Node's `ERR_HTTP2_STREAM_ERROR` ("Stream closed with
 * error code NGHTTP2_REFUSED_STREAM") anywhere in an error's cause chain, or
 * undefined. Node raises that error on the stream before its `close` event
 * carries `rstCode`, so whoever sees only the error reads the code from it.
 */
export function resetCodeOfStreamError(e: unknown): number | undefined {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) {
    if ((x as { code?: unknown }).code !== "ERR_HTTP2_STREAM_ERROR") continue;
    const i = names.indexOf(/NGHTTP2_([A-Z_0-9]+)/.exec(x.message)?.[1] ?? "");
    return i < 0 ? undefined : i;
  }
  return undefined;
}

function nameOf(rstCode: number): string {
  const hex = `0x${rstCode.toString(16)}`;
  return names[rstCode] === undefined ? hex : `${names[rstCode]}, ${hex}`;
}
