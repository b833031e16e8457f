import type { Http2SessionManager } from "@connectrpc/connect-node";
import type * as http2 from "node:http2";

/**
 * Makes a session manager's keepalive PING harmless on a destroyed session.
 *
 * Why: connect-node's keepalive timer can fire after its session was destroyed
 * (our `close()`, a GOAWAY, a transport error) but before the session's
 * `close` handler has stopped the timer; Node's `session.ping()` then throws
 * `ERR_HTTP2_INVALID_SESSION` synchronously from the timer, an uncaught
 * exception that ends the process (connectrpc/connect-es issue 1795, open in
 * the pinned `@connectrpc/connect-node` 2.1.2). Each session the manager
 * brings to its `ready` state gets a `ping` that returns `false` once the
 * session is destroyed; connect-node's PING timeout then finds it gone.
 *
 * It hooks the manager's state changes (`setState`, internal to 2.1.2, pinned
 * exactly in package.json): `test/node/session-ping-guard.test.ts` fails if an
 * upgrade moves it. Remove this file once connect-node skips the PING itself.
 */
export function guardSessionPings(manager: Http2SessionManager): Http2SessionManager {
  const internal = manager as unknown as { setState?: (state: { t: string; conn?: http2.ClientHttp2Session }) => void };
  const setState = internal.setState;
  if (typeof setState !== "function") return manager;
  internal.setState = function (this: unknown, state) {
    if (state.t === "ready" && state.conn !== undefined) guardPing(state.conn);
    setState.call(this, state);
  };
  return manager;
}

const guarded = new WeakSet<http2.ClientHttp2Session>();

function guardPing(session: http2.ClientHttp2Session): void {
  if (guarded.has(session)) return;
  guarded.add(session);
  const ping = session.ping;
  session.ping = function (this: http2.ClientHttp2Session, ...args: unknown[]) {
    if (this.destroyed) return false;
    return (ping as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof session.ping;
}
