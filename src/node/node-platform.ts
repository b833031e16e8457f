import { createClient } from "@connectrpc/connect";
import { checkTls } from "../client/endpoint-tls.js";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { tcpOverSockets } from "../runtime/tcp-over-sockets.js";
import { connectNodeSocket } from "../tcp/socket/node-socket-node.js";
import { createNodeHttpTransport } from "./node-http-transport.js";

/**
 * Node: HTTP/2 through connect-node (gRPC by default, with the lean unary
 * path), and raw TCP over `node:net` / `node:tls`, pooled.
 */
export const nodePlatform: RuntimePlatform = {
  defaultProtocol: "grpc",
  poolsSockets: true,
  createHttpTransport: createNodeHttpTransport,
  checkTls,
  createServiceClient: createClient,
  createTcpTransport: tcpOverSockets(connectNodeSocket),
};
