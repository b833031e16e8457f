import { timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;

/** What {@link gateHttpRequests} checks before a request reaches the RPC handler. */
export interface HttpRequestGateOptions {
  /** Require `authorization: Bearer <token>`; no check when undefined. */
  authToken: string | undefined;
  /** Refuse a request whose `content-length` is above this. */
  maxRequestBytes: number;
}

/**
 * Checks the token and the announced body size from the headers alone,
 * before a byte of the body is read: Connect's own interceptors only run
 * once the body is read and parsed, so an unauthenticated or oversize body
 * would otherwise be buffered whole. A refusal is written in the request's
 * protocol (gRPC and gRPC-web: a trailers-only answer with `grpc-status`;
 * Connect: HTTP 401 or 413 with the error as JSON, or an end-stream message
 * for streaming calls), and the body is never parsed nor buffered: HTTP/2
 * resets the stream after the answer; HTTP/1.1 discards what follows for at
 * most a second, then closes the connection.
 *
 * A body without `content-length` (chunked, or HTTP/2 without the header) is
 * counted as it is read, by the handler's `readMaxBytes`.
 */
export function gateHttpRequests(handler: NodeHandler, options: HttpRequestGateOptions): NodeHandler {
  const expected = options.authToken === undefined ? undefined : Buffer.from(`Bearer ${options.authToken}`, "utf8");
  const { maxRequestBytes } = options;
  return (req, res) => {
    if (expected !== undefined) {
      const given = Buffer.from(headerValue(req.headers.authorization), "utf8");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        refuse(req, res, Code.Unauthenticated, "missing or wrong bearer token");
        return;
      }
    }
    const length = headerValue(req.headers["content-length"]);
    if (length !== "" && !(Number(length) <= maxRequestBytes)) {
      refuse(req, res, Code.ResourceExhausted, `request body of ${length} bytes is above the ${maxRequestBytes}-byte limit`);
      return;
    }
    if (!("stream" in res)) closeWhenAnsweredEarly(req, res);
    handler(req, res);
  };
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}

/** Answers with `code` in the request's protocol, without reading its body. */
function refuse(req: NodeRequest, res: NodeResponse, code: Code, message: string): void {
  const contentType = headerValue(req.headers["content-type"]).toLowerCase();
  let status = 200;
  const headers: Record<string, string> = {};
  let body: Uint8Array | string = "";
  if (contentType.startsWith("application/grpc")) {
    // gRPC and gRPC-web: trailers-only, the status in the headers.
    headers["content-type"] = contentType.startsWith("application/grpc-web") ? "application/grpc-web+proto" : "application/grpc+proto";
    headers["grpc-status"] = String(code);
    headers["grpc-message"] = encodeURIComponent(message);
  } else if (contentType.startsWith("application/connect+")) {
    // Connect streaming: HTTP 200 and the error in an end-stream message.
    const json = new TextEncoder().encode(JSON.stringify({ error: { code: codeToString(code), message } }));
    const envelope = new Uint8Array(5 + json.byteLength);
    envelope[0] = 0b10;
    new DataView(envelope.buffer).setUint32(1, json.byteLength);
    envelope.set(json, 5);
    // The request's codec: a client checks it, and the end-stream message is JSON in both.
    headers["content-type"] = contentType.startsWith("application/connect+json") ? "application/connect+json" : "application/connect+proto";
    body = envelope;
  } else {
    // Connect unary (and anything else): the HTTP status says it, the JSON error too.
    status = code === Code.Unauthenticated ? 401 : 413;
    headers["content-type"] = "application/json";
    body = JSON.stringify({ code: codeToString(code), message });
  }
  if ("stream" in res) {
    // HTTP/2: answer, then reset the stream so the client stops sending its body.
    const stream = res.stream;
    const reset = () => stream.close(http2.constants.NGHTTP2_NO_ERROR);
    if (body === "" || body.length === 0) {
      stream.respond({ ":status": status, ...headers }, { endStream: true });
      reset();
    } else {
      stream.respond({ ":status": status, ...headers });
      stream.end(body, reset);
    }
    return;
  }
  limitDiscard(req, res);
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * An HTTP/1.1 answer written before its request's body was read (the
 * handler's readMaxBytes gave up on it) says `Connection: close`: the rest of
 * the body would never be read, and the next request on the connection would
 * stall behind it.
 */
function closeWhenAnsweredEarly(req: NodeRequest, res: NodeResponse): void {
  const response = res as http.ServerResponse;
  const writeHead = response.writeHead;
  response.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    if (!req.complete) this.shouldKeepAlive = false;
    return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof writeHead;
}

/**
 * After a refusal, Node reads and drops the rest of an HTTP/1.1 body (never
 * buffering it) so the connection can carry the next request; a client still
 * sending after a grace period loses the connection. Closing at once would
 * reset it with the answer possibly unread.
 */
function limitDiscard(req: NodeRequest, res: NodeResponse): void {
  const socket = req.socket;
  res.once("finish", () => {
    if (req.complete) return;
    const timer = setTimeout(() => socket.destroy(), discardGraceMs).unref();
    req.once("end", () => clearTimeout(timer));
  });
}

/** How long an HTTP/1.1 client may go on sending a refused body (discarded) before its connection closes. */
const discardGraceMs = 1_000;
