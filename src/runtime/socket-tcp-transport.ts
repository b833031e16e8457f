import type { ResolvedTcpEndpoint } from "../client/resolved-endpoint.js";
import type { ManagedTransport, TransportContext } from "../client/runtime-platform.js";
import type { SocketConnector } from "../tcp/socket/runtime-socket.js";
import type { createTcpTransport } from "../tcp/tcp-transport.js";

/**
 * `tcpOverSockets` with the TCP transport passed in rather than imported, for
 * a build that ships the transport only when the caller hands it over (the
 * Workers build of `createPredictionClient`, `tcpTransport` option).
 */
export function socketTcpTransport(
  create: typeof createTcpTransport,
  connect: SocketConnector,
): (endpoint: ResolvedTcpEndpoint, context: TransportContext) => ManagedTransport {
  return (endpoint, context) =>
    create({
      ...endpoint.options.tcp,
      url: endpoint.url,
      connect,
      authToken: context.authToken,
      interceptors: context.interceptors,
    });
}
