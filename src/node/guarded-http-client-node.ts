import type * as http2 from "node:http2";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import type { UniversalClientFn, UniversalClientResponse } from "@connectrpc/connect/protocol";
import { ResponseBytes, type ResponseLimits } from "../client/response-budget.js";
import { errorFromResetCode, resetCodeOfStreamError } from "../protocol-grpc/http2-reset-code-node.js";
import { http2Constants } from "../protocol/connect-http-stack-node.js";

/**
 * Wraps connect-node's HTTP client (HTTP/1.1 or HTTP/2) for the stock
 * Connect, gRPC and gRPC-web transports:
 *
 * - the response body is counted as it streams in against `limits` (the
 *   call's cap and the client's budget); the first chunk past either fails
 *   the call with `ResourceExhausted` and resets the stream, instead of
 *   buffering the whole body first;
 * - an HTTP/2 reset by the server is mapped by the gRPC spec's table
 *   (see `errorFromResetCode`): connect-node reports the stream's `error`
 *   event (`Internal` whatever the code) before its `close` event could map it.
 */
export function guardHttpClient(inner: UniversalClientFn, limits: ResponseLimits | undefined): UniversalClientFn {
  return async (req) => {
    let res: UniversalClientResponse;
    try {
      res = await inner(req);
    } catch (e) {
      throw mapReset(e);
    }
    const counter = limits && new ResponseBytes(limits.maxResponseBytes, limits.budget);
    return { ...res, body: guardedBody(res.body, counter, req.signal) };
  };
}

function guardedBody(body: AsyncIterable<Uint8Array>, counter: ResponseBytes | undefined, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const it = body[Symbol.asyncIterator]();
      // States: reading -> ended (body done, failed or abandoned); the budget's share is released once.
      // Connect aborts each call's signal once the call settles: a body its reader left half read is released then.
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        signal?.removeEventListener("abort", end);
        counter?.release();
      };
      if (counter) signal?.addEventListener("abort", end, { once: true });
      return {
        async next() {
          let r: IteratorResult<Uint8Array>;
          try {
            r = await it.next();
          } catch (e) {
            end();
            throw mapReset(e);
          }
          if (r.done === true) {
            end();
            return r;
          }
          const tooMuch = counter?.add(r.value.byteLength);
          if (tooMuch) {
            end();
            // connect-node's body aborts its request or stream on throw(): nothing more is read.
            try {
              await it.throw?.(tooMuch);
            } catch {
              // It rethrows what it was given.
            }
            throw tooMuch;
          }
          return r;
        },
        async return() {
          end();
          return { done: true, value: undefined };
        },
        async throw(e: unknown) {
          end();
          if (it.throw) return it.throw(e);
          throw e;
        },
      };
    },
  };
}

function mapReset(e: unknown): unknown {
  const rstCode = resetCodeOfStreamError(e);
  return rstCode === undefined ? e : errorFromResetCode(rstCode);
}

/**
 * The session manager as connect-node's HTTP/2 client sees it, with one fix:
 * a stream the server closes with `NO_ERROR` before any response header
 * raises no error in Node, and connect-node would wait for a response that
 * never comes (until the deadline); it fails at once with `Internal` here.
 */
export function failStreamsClosedUnanswered(manager: Http2SessionManager): Http2SessionManager {
  const { NGHTTP2_NO_ERROR } = http2Constants;
  const view = {
    authority: manager.authority,
    notifyResponseByteRead: (stream: http2.ClientHttp2Stream) => manager.notifyResponseByteRead(stream),
    async request(...args: Parameters<Http2SessionManager["request"]>) {
      const stream = await manager.request(...args);
      let answered = false;
      stream.once("response", () => (answered = true));
      stream.once("close", () => {
        // connect-node listens for `error` on every stream it opens, so this is never unhandled.
        if (!answered && stream.rstCode === NGHTTP2_NO_ERROR && stream.listenerCount("error") > 0) {
          stream.emit("error", errorFromResetCode(NGHTTP2_NO_ERROR));
        }
      });
      return stream;
    },
  };
  return view as unknown as Http2SessionManager;
}
