import { createClient } from "@connectrpc/connect";
import { checkTls } from "../client/endpoint-tls.js";
import { createLazyTransport } from "../client/lazy-transport.js";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { tcpOverSockets } from "../runtime/tcp-over-sockets.js";
import { httpTransportCore } from "./http-transport-core-node.js";
import { httpTransportCoreModules } from "./http-transport-core-modules-node.js";
import { connectNodeSocket } from "../tcp/socket/node-socket-node.js";

/**
 * Node: HTTP/2 through connect-node (gRPC by default, with the lean unary
 * path), and raw TCP over `node:net` / `node:tls`, pooled.
 *
 * The HTTP stack (connect-node, its protocols, `node:http2`) is a third of
 * the SDK's code and about half of a bundle's import time: it is loaded only for
 * `http(s)://` endpoints, starting when the client is created (see
 * `createLazyTransport`), so a TCP-only client never loads it.
 */
export const nodePlatform: RuntimePlatform = {
  defaultProtocol: "grpc",
  poolsSockets: true,
  createHttpTransport: (endpoint, context) =>
    createLazyTransport(() => {
      // For the package build, where the transport runs from its text and shares these with the client.
      httpTransportCore.modules ??= httpTransportCoreModules();
      return import("./node-http-transport.js").then((m) => m.createNodeHttpTransport(endpoint, context));
    }),
  checkTls,
  createServiceClient: createClient,
  createTcpTransport: tcpOverSockets(connectNodeSocket),
};
