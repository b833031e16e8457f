/**
 * Replaces: connect-node's gRPC transport (`createGrpcTransport`, `@connectrpc/connect-node` 2.1.2) for unary gRPC
 * calls without user interceptors; streams and intercepted calls still use it (`src/node/stock-transport-node.ts`).
 * Measured reason: BENCHMARKS.md, "Lean gRPC path against connect-node's transport" (client CPU and latency per
 * call), and the compiled codec's rows in "Encode and decode time per message".
 * Depends on: `@connectrpc/connect` 2.1.2 and `@connectrpc/connect-node` 2.1.2 exactly (package.json pins): Connect's
 * `codeFromHttpStatus` and `findTrailerError` (`@connectrpc/connect/protocol-grpc`) and connect-node's
 * `Http2SessionManager`, whose session it writes on, and whose internal state (`s`: `t`, `conn`, `isShuttingDown`,
 * `requiresVerify`, `registerRequest`) `streamNow` reads to open a stream without its async `request()`; any other
 * shape falls back to `request()`.
 */
import type * as http2 from "node:http2";
import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type UnaryResponse } from "@connectrpc/connect";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { decodeMessage, encodeEnvelopedMessage } from "../protobuf-codec/index.js";
import { deadlineExceeded } from "../call/deadline.js";
import { deadlineTimers, type DeadlineTarget } from "../call/deadline-timers.js";
import { lazyUnaryResponseOf } from "../call/lazy-unary-response.js";
import { ResponseBytes, type ResponseLimits } from "../client/response-budget.js";
import { codeFromHttpStatus, findTrailerError, http2Constants } from "../protocol/connect-http-stack-node.js";
import { errorFromResetCode } from "./http2-reset-code-node.js";

/**
 * One HTTP/2 session as the lean path uses it: its manager, what its
 * responses are counted against, and its calls in flight (the transport sends
 * the next call on the least loaded session).
 */
export interface GrpcSession {
  readonly manager: Http2SessionManager;
  /** The call's response cap and the client's budget of bytes in flight. */
  readonly limits: ResponseLimits;
  /** Calls started on this session and not settled yet. */
  inFlight: number;
}

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2Constants;

/**
 * The request headers of a lean gRPC call, in one object built per call
 * (Node copies it again to send it): gRPC's content type and `te`, the
 * deadline as `grpc-timeout` (whole milliseconds, rounded up, at least 1),
 * `user-agent`, `authorization` when set, and the caller's own headers, which
 * cannot replace the first three.
 */
export function grpcRequestHeaders(
  userAgent: string,
  authorization: string | undefined,
  timeoutMs: number | undefined,
  header: HeadersInit | undefined,
): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { "user-agent": userAgent };
  if (header !== undefined) new Headers(header).forEach((v, k) => (headers[k] = v));
  if (authorization !== undefined) headers.authorization = authorization;
  headers["content-type"] = "application/grpc+proto";
  headers.te = "trailers";
  if (timeoutMs !== undefined) headers["grpc-timeout"] = grpcTimeout(timeoutMs);
  return headers;
}

// Calls mostly share a deadline: keep the last header value rather than format it each time.
let lastTimeoutMs = -1;
let lastTimeout = "";
function grpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  if (ms !== lastTimeoutMs) {
    lastTimeoutMs = ms;
    lastTimeout = `${ms}m`;
  }
  return lastTimeout;
}

/**
 * One unary gRPC call straight on an HTTP/2 stream: the request encoded into
 * one buffer with its envelope and written once, response bytes kept as they
 * arrive (joined only when there is more than one chunk), trailers parsed
 * once. It exists because the generic path (universal client, async
 * iterables, WHATWG Headers, linked abort signals) costs ~2.5x grpc-js's CPU
 * per call; the wire is exactly gRPC's, and errors are Connect's (via its own
 * trailer parser, on the failure path only). Messages go through the compiled
 * codec (src/protobuf-codec/): protobuf-es's bytes, without its reflection.
 *
 * Per call it allocates the call's state, one promise, the request buffer and
 * headers; the stream's listeners are shared functions that find the call on
 * the stream, and the call is its own abort listener and deadline target (on
 * the shared deadline timers, one runtime timer for every call).
 *
 * @param headers - from {@link grpcRequestHeaders}
 * @param timeoutMs - deadline in ms (the one in `headers`), enforced locally; undefined: none
 */
export function grpcUnaryCall<I extends DescMessage, O extends DescMessage>(
  session: GrpcSession,
  path: string,
  method: DescMethodUnary<I, O>,
  input: MessageShape<I>,
  headers: http2.OutgoingHttpHeaders,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<UnaryResponse<I, O>> {
  const frame = encodeEnvelopedMessage(method.input, input, Buffer.allocUnsafe) as Buffer;
  const call = new UnaryCall(session, method, signal);
  const promise = new Promise<UnaryResponse<I, O>>((resolve, reject) => {
    call.resolve = resolve;
    call.reject = reject;
  });
  if (signal) {
    if (signal.aborted) {
      call.handleEvent();
      return promise;
    }
    // The call itself is the listener (`handleEvent`): no closure per call.
    signal.addEventListener("abort", call);
  }
  if (timeoutMs !== undefined) deadlineTimers.arm(timeoutMs, call);
  const ready = streamNow(session.manager, path, headers);
  if (ready !== undefined) {
    call.attach(ready as CallStream, frame);
  } else {
    session.manager.request("POST", path, headers, requestOptions).then(
      (s) => call.attach(s as CallStream, frame),
      (e: unknown) => call.finish(errorFromStream(e), undefined),
    );
  }
  return promise;
}

/**
 * The part of connect-node 2.1.2's `Http2SessionManager` (package.json pins
 * it) that {@link streamNow} reads: its state, which is `ready` with an open
 * session once connected.
 */
interface ManagerState {
  s?: {
    t?: string;
    conn?: http2.ClientHttp2Session;
    isShuttingDown?(): boolean;
    requiresVerify?(): boolean;
    registerRequest?(stream: http2.ClientHttp2Stream): void;
  };
}

/**
 * A stream opened at once on the manager's session when it is ready and
 * needs no check, as `Http2SessionManager.request` opens it (the same
 * conditions, the same registration for keep-alive and idle timeouts), but
 * without its two async functions: a promise and two microtask turns per
 * call. Undefined when anything is not so (connecting, shutting down, a PING
 * check due, a session that refuses the stream, another connect-node):
 * the manager's own `request` then does it all.
 */
function streamNow(manager: Http2SessionManager, path: string, headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream | undefined {
  const s = (manager as unknown as ManagerState).s;
  const conn = s?.conn;
  if (s?.t !== "ready" || conn === undefined || typeof s.registerRequest !== "function") return undefined;
  if (conn.closed || conn.destroyed || s.isShuttingDown?.() !== false || s.requiresVerify?.() !== false) return undefined;
  headers[":method"] = "POST";
  headers[":path"] = path;
  let stream: http2.ClientHttp2Stream;
  try {
    stream = conn.request(headers, requestOptions);
  } catch {
    return undefined;
  }
  s.registerRequest(stream);
  return stream;
}

/** Node copies request options before use: one object serves every call. */
const requestOptions: http2.ClientSessionRequestOptions = {};

const callKey = Symbol("syncvalue.grpcUnaryCall");

/** A stream of a lean call: its listeners find the call here. */
type CallStream = http2.ClientHttp2Stream & { [callKey]: AnyCall };
type AnyCall = UnaryCall<DescMessage, DescMessage>;

/**
 * The state of one call. States: waiting for its stream -> streaming ->
 * settled (by the answer, an error, the deadline or the signal; once).
 */
class UnaryCall<I extends DescMessage, O extends DescMessage> implements DeadlineTarget {
  resolve!: (response: UnaryResponse<I, O>) => void;
  reject!: (error: ConnectError) => void;
  settled = false;
  // Its place in the shared deadline timers (src/call/deadline-timers.ts), one timer for every call.
  deadlineLane: object | undefined = undefined;
  deadlineTicket = 0;
  stream: CallStream | undefined = undefined;
  /** The stream's session: Node detaches a closed stream from it, and it tells a lost connection from a reset. */
  streamSession: http2.Http2Session | undefined = undefined;
  header: http2.IncomingHttpHeaders | undefined = undefined;
  trailer: http2.IncomingHttpHeaders | undefined = undefined;
  /** The first response chunk, and the list only once a second one arrives. */
  first: Buffer | undefined = undefined;
  chunks: Buffer[] | undefined = undefined;
  received = 0;
  /** Counted as the body streams in; released once the call settles (the message is parsed by then). */
  readonly counter: ResponseBytes;

  constructor(
    readonly session: GrpcSession,
    readonly method: DescMethodUnary<I, O>,
    readonly signal: AbortSignal | undefined,
  ) {
    this.counter = new ResponseBytes(session.limits.maxResponseBytes, session.limits.budget, 5);
    session.inFlight++;
  }

  /** The deadline passed (the shared timers call it once). */
  onDeadline(): void {
    this.finish(deadlineExceeded(), undefined);
  }

  /** The signal's abort listener. */
  handleEvent(): void {
    this.finish(abortError(this.signal!), undefined);
  }

  attach(s: CallStream, frame: Buffer): void {
    this.stream = s;
    if (this.settled) {
      s.close(NGHTTP2_CANCEL);
      return;
    }
    this.streamSession = s.session;
    s[callKey] = this as unknown as AnyCall;
    s.on("response", onResponse);
    s.on("data", onData);
    s.on("trailers", onTrailers);
    s.on("error", onError);
    s.on("close", onClose);
    s.end(frame);
  }

  finish(err: ConnectError | undefined, response: UnaryResponse<I, O> | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.session.inFlight--;
    this.counter.release();
    if (this.deadlineLane !== undefined) deadlineTimers.cancel(this);
    this.signal?.removeEventListener("abort", this);
    if (err) {
      const s = this.stream;
      if (s && !s.closed) s.close(NGHTTP2_CANCEL);
      this.reject(err);
    } else {
      this.resolve(response!);
    }
  }

  /** The stream closed: the answer, or why there is none. */
  closed(s: CallStream): void {
    const { header, trailer } = this;
    // Trailers-only responses carry the status in the header block.
    const status = trailer ?? (header && header["grpc-status"] !== undefined ? header : undefined);
    if (!status) {
      const session = this.streamSession;
      // Node closes the streams of a session whose socket closed itself (RST code CANCEL):
      // that is a lost connection (Unavailable), not a reset by the server.
      if (session === undefined || session.closed || session.destroyed) {
        this.finish(new ConnectError("connection closed before the gRPC status arrived", Code.Unavailable), undefined);
      } else if (s.rstCode !== undefined && s.rstCode !== NGHTTP2_NO_ERROR) {
        this.finish(errorFromResetCode(s.rstCode), undefined);
      } else {
        // The server ended the stream (or reset it with NO_ERROR) without a status: gRPC says Internal.
        this.finish(new ConnectError("protocol error: stream ended without grpc-status", Code.Internal), undefined);
      }
      return;
    }
    if (status["grpc-status"] !== "0") {
      this.finish(findTrailerError(toHeaders(status)) ?? new ConnectError("invalid grpc-status", Code.Internal), undefined);
      return;
    }
    let message: MessageShape<O>;
    try {
      const data = this.chunks === undefined ? this.first : Buffer.concat(this.chunks, this.received);
      message = decodeEnvelope(this.method.output, data);
    } catch (e) {
      this.finish(ConnectError.from(e, Code.Internal), undefined);
      return;
    }
    this.finish(undefined, lazyUnaryResponseOf(this.method, message, header!, trailer ?? noTrailer, toHeaders));
  }
}

const noTrailer: http2.IncomingHttpHeaders = Object.freeze({});

// The stream's listeners: one set of functions for every call (`this` is the stream).

function onResponse(this: CallStream, h: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
  const call = this[callKey];
  call.header = h;
  const status = Number(h[":status"]);
  if (status !== 200) {
    call.finish(new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status)), undefined);
  } else if (!String(h["content-type"] ?? "").startsWith("application/grpc")) {
    call.finish(new ConnectError(`unexpected response content type "${String(h["content-type"])}"`, Code.Internal), undefined);
  }
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[callKey];
  // Bytes read tell the keep-alive the connection lives (so it sends no PING). The
  // response headers just told it so (connect-node listens for them), and each
  // notice re-arms its timer: a body in one DATA frame, the usual, needs none.
  if (call.first !== undefined || call.settled) call.session.manager.notifyResponseByteRead(this);
  if (call.settled) return;
  call.received += chunk.byteLength;
  const tooMuch = call.counter.add(chunk.byteLength);
  if (tooMuch) {
    call.finish(tooMuch, undefined);
    return;
  }
  if (call.first === undefined) call.first = chunk;
  else (call.chunks ??= [call.first]).push(chunk);
}

function onTrailers(this: CallStream, t: http2.IncomingHttpHeaders): void {
  this[callKey].trailer = t;
}

function onError(this: CallStream, e: unknown): void {
  // A reset by the server: Node raises this before `close`, which maps `rstCode` by the spec's table.
  if ((e as { code?: unknown }).code === "ERR_HTTP2_STREAM_ERROR") return;
  this[callKey].finish(errorFromStream(e), undefined);
}

function onClose(this: CallStream): void {
  const call = this[callKey];
  if (!call.settled) call.closed(this);
}

function decodeEnvelope<O extends DescMessage>(schema: O, data: Buffer | undefined): MessageShape<O> {
  if (data === undefined || data.byteLength < 5) throw new ConnectError("missing response message", Code.Unimplemented);
  if ((data[0]! & 0b1) !== 0) throw new ConnectError("compressed response without negotiated encoding", Code.Internal);
  const size = data.readUInt32BE(1);
  if (size + 5 !== data.byteLength) {
    throw new ConnectError(`unary response holds ${data.byteLength - 5} bytes for a ${size}-byte message`, Code.Unimplemented);
  }
  // A plain Uint8Array view: the reader slices every string and bytes field out of it, and a
  // Buffer's slices are Buffers, built through its species constructor.
  return decodeMessage(schema, new Uint8Array(data.buffer, data.byteOffset + 5, size));
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
