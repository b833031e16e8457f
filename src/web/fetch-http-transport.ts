import type { ResolvedHttpEndpoint } from "../client/resolved-endpoint.js";
import type { ManagedTransport, TransportContext } from "../client/runtime-platform.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { createFetchTransportSharing } from "./create-fetch-transport.js";

/**
 * Connect or gRPC-web over the runtime's `fetch` (edge runtimes, browsers,
 * Bun, Deno): the lean unary transport, binary protobuf only. fetch holds
 * no connections of ours, so there is nothing to warm up or close.
 */
export function createFetchHttpTransport(endpoint: ResolvedHttpEndpoint, context: TransportContext): ManagedTransport {
  if (endpoint.protocol === "grpc") {
    throw invalidArgument("protocol", `"grpc" needs HTTP/2 trailers, which fetch does not expose; use "connect" or "grpc-web"`);
  }
  // No `tls` here: fetch platforms have no checkTls, so resolveEndpoint refused it (endpoint.tls).
  const transport = createFetchTransportSharing(
    {
      baseUrl: endpoint.baseUrl,
      protocol: endpoint.protocol,
      interceptors: context.interceptors,
      authToken: context.authToken,
      maxResponseBytes: endpoint.maxResponseBytes,
    },
    context.responseBudget,
  );
  return { unary: transport.unary, stream: transport.stream, close: async () => {} };
}
