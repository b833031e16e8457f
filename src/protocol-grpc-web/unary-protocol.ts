import { Code, ConnectError } from "@connectrpc/connect";
import { grpcMessage, grpcStatusError } from "../protocol-grpc/status-error.js";
import { compressedFlag, decodeEnvelopes, encodeEnvelope, trailerFlag } from "./envelope.js";
import { parseGrpcWebTrailer } from "./trailer.js";
import { codeFromHttpStatus } from "../protocol/http-status-code.js";
import { discardBody } from "../protocol/read-body-bytes.js";
import type { UnaryWireProtocol } from "../protocol/unary-wire-protocol.js";

/**
 * gRPC-web unary calls with binary protobuf
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): one
 * enveloped message up; down, one message frame then a trailer frame (flag
 * 0x80) with `grpc-status`, or a trailers-only response whose headers carry
 * the status and whose body is empty.
 */
export const grpcWebUnaryProtocol: UnaryWireProtocol = {
  setRequestHeaders(header, timeoutMs) {
    header.set("content-type", "application/grpc-web+proto");
    header.set("x-grpc-web", "1");
    if (timeoutMs !== undefined) header.set("grpc-timeout", grpcTimeout(timeoutMs));
  },
  encodeRequest: encodeEnvelope,
  async decodeResponse(response, readBody) {
    const headers = response.headers;
    // Like the grpc-web package, any 2xx is an HTTP success; the status decides.
    if (response.status < 200 || response.status > 299) {
      discardBody(response);
      throw new ConnectError(grpcMessage(headers) ?? `HTTP ${response.status}`, codeFromHttpStatus(response.status), headers);
    }
    // Trailers-only: an immediate error has its status in the headers.
    const headerError = grpcStatusError(headers);
    if (headerError) {
      discardBody(response);
      throw headerError;
    }
    const type = (headers.get("content-type") ?? "").toLowerCase();
    if (!/^application\/grpc-web(\+proto)?(;|$)/.test(type)) {
      discardBody(response);
      throw new ConnectError(`unsupported content type ${type || "(none)"}`, Code.Unknown, headers);
    }
    let message: Uint8Array | undefined;
    let trailer: Headers | undefined;
    for (const { flags, data } of decodeEnvelopes(await readBody())) {
      if ((flags & compressedFlag) !== 0) throw new ConnectError("protocol error: received compressed output we did not ask for", Code.Internal);
      if ((flags & trailerFlag) !== 0) {
        if (trailer) throw new ConnectError("protocol error: extra trailer", Code.Internal);
        trailer = parseGrpcWebTrailer(data);
      } else {
        if (trailer) throw new ConnectError("protocol error: message after trailer", Code.Internal);
        // A unary method answering twice breaks its cardinality (gRPC says Unimplemented).
        if (message) throw new ConnectError("protocol error: extra message", Code.Unimplemented);
        message = data;
      }
    }
    // grpc-status 0 in the headers with an empty body: the headers are the trailer.
    trailer ??= headers.has("grpc-status") ? new Headers() : undefined;
    if (!trailer) throw new ConnectError("protocol error: missing trailer", Code.Unknown, headers);
    const trailerError = grpcStatusError(trailer);
    if (trailerError) {
      headers.forEach((value, key) => trailerError.metadata.append(key, value));
      throw trailerError;
    }
    if (!trailer.has("grpc-status") && !headers.has("grpc-status")) {
      throw new ConnectError("protocol error: missing status", Code.Internal, headers);
    }
    if (!message) throw new ConnectError("protocol error: missing message", Code.Unimplemented, headers);
    return { message, header: headers, trailer };
  },
};

/** `grpc-timeout` allows at most 8 digits: milliseconds, or seconds beyond ~27 hours. */
function grpcTimeout(timeoutMs: number): string {
  const ms = Math.ceil(timeoutMs);
  return ms <= 99_999_999 ? `${ms}m` : `${Math.min(Math.ceil(ms / 1000), 99_999_999)}S`;
}
