/**
 * Replaces: connect-node's gRPC transport (`createGrpcTransport`, `@connectrpc/connect-node` 2.1.2) for unary gRPC
 * calls without user interceptors; streams and intercepted calls still use it (`src/node/stock-transport-node.ts`).
 * Measured reason: BENCHMARKS.md, "Lean gRPC path against connect-node's transport" (client CPU and latency per
 * call), and the compiled codec's rows in "Encode and decode time per message".
 * Depends on: `@connectrpc/connect` 2.1.2 and `@connectrpc/connect-node` 2.1.2 exactly (package.json pins): Connect's
 * `codeFromHttpStatus` and `findTrailerError` (`@connectrpc/connect/protocol-grpc`) and connect-node's
 * `Http2SessionManager`, whose session it writes on.
 */
import * as http2 from "node:http2";
import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus, findTrailerError } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { decodeMessage, encodeMessage } from "../protobuf-codec/index.js";
import { deadlineExceeded } from "../call/deadline.js";
import { ResponseBytes, type ResponseLimits } from "../client/response-budget.js";
import { errorFromResetCode } from "./http2-reset-code-node.js";

/** What one lean gRPC unary call needs besides the message. */
export interface GrpcUnaryCallOptions {
  /** Deadline in ms, sent as `grpc-timeout` and enforced locally; undefined: none. */
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  /** Request headers as a plain object (lower-case names). */
  headers: http2.OutgoingHttpHeaders;
  /** The call's response cap and the client's budget of bytes in flight. */
  limits: ResponseLimits;
}

/** The answer of a unary call: the message and the raw HTTP/2 header blocks. */
export interface GrpcUnaryResult<O extends DescMessage> {
  message: MessageShape<O>;
  header: http2.IncomingHttpHeaders;
  trailer: http2.IncomingHttpHeaders;
}

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

/**
 * One unary gRPC call straight on an HTTP/2 stream: one write of the
 * enveloped request, response bytes collected in a list, trailers parsed once.
 * It exists because the generic path (universal client, async iterables,
 * WHATWG Headers, linked abort signals) costs ~2.5x grpc-js's CPU per call;
 * the wire is exactly gRPC's, and errors are Connect's (via its own trailer
 * parser, on the failure path only). Messages go through the compiled codec
 * (src/protobuf-codec/): protobuf-es's bytes, without its reflection.
 */
export function grpcUnaryCall<I extends DescMessage, O extends DescMessage>(
  manager: Http2SessionManager,
  path: string,
  method: DescMethodUnary<I, O>,
  input: MessageShape<I>,
  options: GrpcUnaryCallOptions,
): Promise<GrpcUnaryResult<O>> {
  const body = encodeMessage(method.input, input);
  const frame = Buffer.allocUnsafe(5 + body.byteLength);
  frame[0] = 0; // not compressed
  frame.writeUInt32BE(body.byteLength, 1);
  frame.set(body, 5);

  const headers: http2.OutgoingHttpHeaders = {
    ...options.headers,
    "content-type": "application/grpc+proto",
    te: "trailers",
  };
  if (options.timeoutMs !== undefined) headers["grpc-timeout"] = `${Math.max(1, Math.ceil(options.timeoutMs))}m`;

  return new Promise<GrpcUnaryResult<O>>((resolve, reject) => {
    let stream: http2.ClientHttp2Stream | undefined;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signal = options.signal;

    // Counted as the body streams in; released once the call settles (the message is parsed by then).
    const counter = new ResponseBytes(options.limits.maxResponseBytes, options.limits.budget, 5);
    const finish = (err: ConnectError | undefined, result?: GrpcUnaryResult<O>) => {
      if (settled) return;
      settled = true;
      counter.release();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err) {
        if (stream && !stream.closed) stream.close(NGHTTP2_CANCEL);
        reject(err);
      } else {
        resolve(result!);
      }
    };
    const onAbort = () => finish(abortError(signal!));
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort);
    }
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => finish(deadlineExceeded()), options.timeoutMs);
    }

    manager.request("POST", path, headers, {}).then((s) => {
      stream = s;
      if (settled) {
        s.close(NGHTTP2_CANCEL);
        return;
      }
      // Node detaches a closed stream from its session: keep it to tell a lost connection from a reset.
      const session = s.session;
      let header: http2.IncomingHttpHeaders | undefined;
      let trailer: http2.IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      s.on("response", (h) => {
        header = h;
        const status = Number(h[":status"]);
        if (status !== 200) {
          finish(new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status)));
        } else if (!String(h["content-type"] ?? "").startsWith("application/grpc")) {
          finish(new ConnectError(`unexpected response content type "${String(h["content-type"])}"`, Code.Internal));
        }
      });
      s.on("data", (chunk: Buffer) => {
        manager.notifyResponseByteRead(s);
        received += chunk.byteLength;
        const tooMuch = counter.add(chunk.byteLength);
        if (tooMuch) {
          finish(tooMuch);
          return;
        }
        chunks.push(chunk);
      });
      s.on("trailers", (t) => (trailer = t));
      s.on("error", (e: unknown) => {
        // A reset by the server: Node raises this before `close`, which maps `rstCode` by the spec's table.
        if ((e as { code?: unknown }).code === "ERR_HTTP2_STREAM_ERROR") return;
        finish(errorFromStream(e));
      });
      s.on("close", () => {
        if (settled) return;
        // Trailers-only responses carry the status in the header block.
        const status = trailer ?? (header && header["grpc-status"] !== undefined ? header : undefined);
        if (!status) {
          // Node closes the streams of a session whose socket closed itself (RST code CANCEL):
          // that is a lost connection (Unavailable), not a reset by the server.
          if (session === undefined || session.closed || session.destroyed) {
            finish(new ConnectError("connection closed before the gRPC status arrived", Code.Unavailable));
          } else if (s.rstCode !== undefined && s.rstCode !== NGHTTP2_NO_ERROR) {
            finish(errorFromResetCode(s.rstCode));
          } else {
            // The server ended the stream (or reset it with NO_ERROR) without a status: gRPC says Internal.
            finish(new ConnectError("protocol error: stream ended without grpc-status", Code.Internal));
          }
          return;
        }
        if (status["grpc-status"] !== "0") {
          finish(findTrailerError(toHeaders(status)) ?? new ConnectError("invalid grpc-status", Code.Internal));
          return;
        }
        try {
          finish(undefined, { message: decodeEnvelope(method.output, chunks, received), header: header!, trailer: trailer ?? {} });
        } catch (e) {
          finish(ConnectError.from(e, Code.Internal));
        }
      });
      s.end(frame);
    }, (e: unknown) => finish(errorFromStream(e)));
  });
}

function decodeEnvelope<O extends DescMessage>(schema: O, chunks: Buffer[], length: number): MessageShape<O> {
  const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  if (data.byteLength < 5) throw new ConnectError("missing response message", Code.Unimplemented);
  if ((data[0]! & 0b1) !== 0) throw new ConnectError("compressed response without negotiated encoding", Code.Internal);
  const size = data.readUInt32BE(1);
  if (size + 5 !== data.byteLength) {
    throw new ConnectError(`unary response holds ${data.byteLength - 5} bytes for a ${size}-byte message`, Code.Unimplemented);
  }
  return decodeMessage(schema, data.subarray(5));
}

/** WHATWG Headers for Connect's trailer parser: built on the error path only. */
export function toHeaders(h: http2.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":") || v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, String(v));
  }
  return headers;
}

function abortError(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError) return reason;
  return new ConnectError("operation was aborted", Code.Canceled, undefined, undefined, reason);
}

const unavailableCodes = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EPIPE",
  "ERR_HTTP2_GOAWAY_SESSION", "ERR_HTTP2_SESSION_ERROR", "ERR_HTTP2_STREAM_CANCEL", "ERR_HTTP2_INVALID_SESSION",
  // TLS handshake failures: the server's certificate is not trusted or not for this name.
  "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_UNTRUSTED",
]);

/** Connection-level failures are Unavailable: the call may be retried elsewhere. */
function errorFromStream(e: unknown): ConnectError {
  // connect-node names a connection reset while connecting Aborted, and a TLS handshake
  // failure Internal; to a caller both are a connection that could not be had, Unavailable
  // like on the TCP transport (and gRPC core).
  if (e instanceof ConnectError && ((e.code !== Code.Aborted && e.code !== Code.Internal) || !hasUnavailableCause(e.cause))) return e;
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const code = (x as { code?: unknown }).code;
    if (isConnectionLevel(code)) return new ConnectError(x.message, Code.Unavailable, undefined, undefined, e);
  }
  return ConnectError.from(e, Code.Internal);
}

/** A Node error code that means the connection could not be had or was lost (OpenSSL's TLS alerts included). */
function isConnectionLevel(code: unknown): boolean {
  return typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("ERR_SSL_"));
}

function hasUnavailableCause(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const code = (x as { code?: unknown }).code;
    if (isConnectionLevel(code)) return true;
  }
  return false;
}
