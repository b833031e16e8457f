import { create, isMessage, type DescMethodUnary } from "@bufbuild/protobuf";
import type { Interceptor, Transport } from "@connectrpc/connect";
import type * as http2 from "node:http2";
import type * as https from "node:https";
import { bearerAuthInterceptor } from "../client/bearer-auth.js";
import type { ResolvedHttpEndpoint } from "../client/resolved-endpoint.js";
import type { ManagedTransport, TransportContext } from "../client/runtime-platform.js";
import { FreezeDetector } from "../call/freeze-detector.js";
import { withSettlingInterceptor } from "../call/settling-interceptor.js";
import { failStreamsClosedUnanswered } from "./guarded-http-client-node.js";
import { guardSessionPings } from "./session-ping-guard-node.js";
import { grpcRequestHeaders, grpcUnaryCall, type GrpcSession } from "../protocol-grpc/unary-protocol-node.js";
import { createStockTransport } from "./stock-transport-node.js";
import { Http2SessionManager, createNodeHttpClient } from "../protocol/connect-http-stack-node.js";

const USER_AGENT = "syncvalue-node";
/** Period of the freeze detector's ticker, and the unexplained extra gap taken for a freeze (the TCP pool's `freezeGapMs` default). */
const FREEZE_TICK_MS = 1000;
const FREEZE_GAP_MS = 2000;

/**
 * Connect, gRPC or gRPC-web through connect-node, over `http2.sessions`
 * HTTP/2 connections whose `Http2SessionManager`s we own: keep-alive follows
 * our defaults, `close()` ends them, and their timers are unref'd, so an idle
 * client never keeps Node alive.
 *
 * Unary gRPC calls without user interceptors take a lean path straight on the
 * HTTP/2 stream (see `grpcUnaryCall`); streams and intercepted calls use
 * connect-node's stock transport on the same sessions.
 */
export function createNodeHttpTransport(endpoint: ResolvedHttpEndpoint, context: TransportContext): ManagedTransport {
  const auth = context.authToken !== undefined ? [bearerAuthInterceptor(context.authToken)] : [];
  // The settling interceptor goes outermost, above auth: a user's synchronous throw passes through auth.
  const interceptors: Interceptor[] =
    context.interceptors.length === 0 ? auth : withSettlingInterceptor([...auth, ...context.interceptors]);
  const limits = { maxResponseBytes: endpoint.maxResponseBytes, budget: context.responseBudget };
  const common = { protocol: endpoint.protocol, baseUrl: endpoint.baseUrl, interceptors, limits };
  const tls = nodeTlsOptions(endpoint);
  if (endpoint.httpVersion === "1.1") {
    // The same node:tls fields (ca, cert, key, servername, rejectUnauthorized) as an https request's.
    const httpClient = createNodeHttpClient({ httpVersion: "1.1", nodeOptions: tls as https.RequestOptions | undefined });
    const transport = createStockTransport({ ...common, httpClient });
    // node:http's global agent owns HTTP/1.1 sockets: nothing of ours to close.
    return { unary: transport.unary, stream: transport.stream, close: async () => {} };
  }

  const { sessions, ...keepalive } = endpoint.http2;
  const managers = Array.from({ length: sessions }, () => guardSessionPings(new Http2SessionManager(endpoint.baseUrl, keepalive, tls)));
  // Calls in flight per session, counted by the lean calls themselves and by `track` for the stock transport's.
  const lanes: GrpcSession[] = managers.map((manager) => ({ manager, limits, inFlight: 0 }));
  const stock: Transport[] = managers.map((m) => {
    const view = failStreamsClosedUnanswered(m);
    return createStockTransport({ ...common, httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => view }) });
  });
  const pick = () => {
    let best = 0;
    for (let i = 1; i < sessions; i++) if (lanes[i]!.inFlight < lanes[best]!.inFlight) best = i;
    return best;
  };
  const track = <T>(i: number, p: Promise<T>): Promise<T> => {
    lanes[i]!.inFlight++;
    return p.finally(() => lanes[i]!.inFlight--);
  };

  // Freeze and thaw (Lambda, Vercel, SIGSTOP): a wall-clock gap this 1 s ticker cannot
  // explain means the process was frozen. Idle sessions are then dropped unverified, like
  // the TCP pool's idle connections: the peer or a NAT may have forgotten them, and the
  // first call after a thaw must not be the one to find out (its PING check only runs
  // after pingIntervalMs of silence). The ticker checks too, and acts: after a thaw it
  // runs before the request that woke the process is read.
  const freeze = new FreezeDetector(FREEZE_TICK_MS + FREEZE_GAP_MS);
  const checkThaw = () => {
    if (!freeze.check()) return;
    for (let i = 0; i < sessions; i++) if (lanes[i]!.inFlight === 0) managers[i]!.abort();
  };
  const ticker = setInterval(checkThaw, FREEZE_TICK_MS);
  ticker.unref();

  const lean = endpoint.protocol === "grpc" && context.interceptors.length === 0;
  const basePath = new URL(endpoint.baseUrl).pathname.replace(/\/$/, "");
  const paths = new Map<DescMethodUnary, string>();
  const authorization = context.authToken !== undefined ? `Bearer ${context.authToken}` : undefined;

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      checkThaw();
      const i = pick();
      if (!lean) return track(i, stock[i]!.unary(method, signal, timeoutMs, header, input, contextValues));
      let path = paths.get(method as DescMethodUnary);
      if (path === undefined) paths.set(method as DescMethodUnary, (path = `${basePath}/${method.parent.typeName}/${method.name}`));
      const headers = grpcRequestHeaders(USER_AGENT, authorization, timeoutMs, header);
      const message = isMessage(input, method.input) ? input : create(method.input, input);
      return grpcUnaryCall(lanes[i]!, path, method, message, headers, timeoutMs, signal);
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      checkThaw();
      const i = pick();
      return track(i, stock[i]!.stream(method, signal, timeoutMs, header, input, contextValues));
    },
    async warmup() {
      await Promise.all(managers.map((m) => m.connect()));
    },
    async close() {
      clearInterval(ticker);
      for (const m of managers) m.abort();
    },
  };
}

/** `endpoint.tls` in node:tls terms; undefined keeps Node's defaults. */
function nodeTlsOptions(endpoint: ResolvedHttpEndpoint): http2.SecureClientSessionOptions | undefined {
  const t = endpoint.tls;
  if (t === undefined) return undefined;
  return {
    ...(t.ca !== undefined ? { ca: t.ca } : {}),
    ...(t.cert !== undefined ? { cert: t.cert, key: t.key } : {}),
    ...(t.serverName !== undefined ? { servername: t.serverName } : {}),
    ...(t.rejectUnauthorized !== undefined ? { rejectUnauthorized: t.rejectUnauthorized } : {}),
  };
}
