import type { Socket } from "node:net";

/** The first bytes every HTTP/2 client sends (RFC 9113, section 3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Where a cleartext connection goes once its protocol is known.
 */
export interface CleartextRoutes {
  /** The client sent the HTTP/2 connection preface (prior knowledge, h2c). */
  http2(socket: Socket): void;
  /** Anything else: an HTTP/1.x request. */
  http1(socket: Socket): void;
}

/**
 * Serves HTTP/2 and HTTP/1.1 on one cleartext port. Node's `http2` server has
 * no HTTP/1 fallback without TLS (ALPN does the choosing there), so this reads
 * just enough bytes to tell the HTTP/2 preface from an HTTP/1 request line,
 * puts them back with `unshift`, and hands the socket on.
 *
 * State: reading (the bytes so far are a prefix of the preface, shorter than
 * it) -> routed (a mismatch, or the full preface). A socket that closes while
 * reading is simply dropped.
 */
export function routeCleartextConnection(socket: Socket, routes: CleartextRoutes): void {
  let received: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const n = Math.min(received.length, HTTP2_PREFACE.length);
    const isPrefix = received.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
    if (isPrefix && received.length < HTTP2_PREFACE.length) return;
    // Paused, so nothing flows to no listener between here and the hand-over.
    socket.off("data", onData);
    socket.pause();
    socket.unshift(received);
    if (isPrefix) {
      // The HTTP/2 session reads what is buffered on the socket itself.
      routes.http2(socket);
    } else {
      routes.http1(socket);
      // The HTTP/1 parser listens for "data", which does not undo an explicit pause.
      socket.resume();
    }
  };
  socket.on("data", onData);
}
