import type { Interceptor } from "@connectrpc/connect";
import {
  Http2SessionManager,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import type { ResolvedHttpEndpoint } from "../client/resolved-endpoint.js";
import type { ManagedTransport } from "../client/runtime-platform.js";

/**
 * Connect, gRPC or gRPC-web through connect-node. For HTTP/2 we own the
 * `Http2SessionManager`, so keep-alive follows our defaults and `close()` can
 * end the session; its timers are unref'd, so an idle client never keeps
 * Node alive.
 */
export function createNodeHttpTransport(endpoint: ResolvedHttpEndpoint, interceptors: Interceptor[]): ManagedTransport {
  const common = { baseUrl: endpoint.baseUrl, interceptors, useBinaryFormat: true };
  if (endpoint.httpVersion === "1.1") {
    const transport =
      endpoint.protocol === "connect"
        ? createConnectTransport({ ...common, httpVersion: "1.1" })
        : createGrpcWebTransport({ ...common, httpVersion: "1.1" });
    // node:http's global agent owns HTTP/1.1 sockets: nothing of ours to close.
    return { unary: transport.unary, stream: transport.stream, close: async () => {} };
  }
  const sessionManager = new Http2SessionManager(endpoint.baseUrl, endpoint.http2);
  const options = { ...common, httpVersion: "2" as const, sessionManager };
  const transport =
    endpoint.protocol === "grpc"
      ? createGrpcTransport(options)
      : endpoint.protocol === "connect"
        ? createConnectTransport(options)
        : createGrpcWebTransport(options);
  return {
    unary: transport.unary,
    stream: transport.stream,
    async warmup() {
      await sessionManager.connect();
    },
    async close() {
      sessionManager.abort();
    },
  };
}
