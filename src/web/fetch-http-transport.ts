import type { Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { ResolvedHttpEndpoint } from "../client/resolved-endpoint.js";
import { bearerAuthInterceptor } from "../client/bearer-auth.js";
import type { ManagedTransport, TransportContext } from "../client/runtime-platform.js";
import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Connect or gRPC-web over the runtime's `fetch` (edge runtimes, browsers).
 * `redirect: "manual"`: workerd rejects connect-web's default `"error"`, and an
 * RPC must never follow a redirect anyway.
 */
export function createFetchHttpTransport(endpoint: ResolvedHttpEndpoint, context: TransportContext): ManagedTransport {
  if (endpoint.protocol === "grpc") {
    throw invalidArgument("protocol", `"grpc" needs HTTP/2 trailers, which fetch does not expose; use "connect" or "grpc-web"`);
  }
  // fetch has no per-request trust store or client certificate: refuse rather than ignore.
  if (endpoint.tls !== undefined) throw invalidArgument("tls", "custom TLS needs Node; fetch runtimes use their platform's trust store");
  const fetchManual: typeof fetch = (input, init) => fetch(input, { ...init, redirect: "manual" });
  const interceptors: Interceptor[] = [
    ...(context.authToken !== undefined ? [bearerAuthInterceptor(context.authToken)] : []),
    ...context.interceptors,
  ];
  const options = { baseUrl: endpoint.baseUrl, interceptors, useBinaryFormat: true, fetch: fetchManual };
  const transport = endpoint.protocol === "connect" ? createConnectTransport(options) : createGrpcWebTransport(options);
  return { unary: transport.unary, stream: transport.stream, close: async () => {} };
}
