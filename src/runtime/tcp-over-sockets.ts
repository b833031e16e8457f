import type { ResolvedTcpEndpoint } from "../client/resolved-endpoint.js";
import type { ManagedTransport, TransportContext } from "../client/runtime-platform.js";
import type { SocketConnector } from "../tcp/socket/runtime-socket.js";
import { createTcpTransport } from "../tcp/tcp-transport.js";
import { socketTcpTransport } from "./socket-tcp-transport.js";

/**
 * The `createTcpTransport` of a runtime platform: the raw TCP transport over
 * that runtime's socket connector. The auth token goes into the TCP handshake,
 * not into a header.
 */
export function tcpOverSockets(
  connect: SocketConnector,
): (endpoint: ResolvedTcpEndpoint, context: TransportContext) => ManagedTransport {
  return socketTcpTransport(createTcpTransport, connect);
}
