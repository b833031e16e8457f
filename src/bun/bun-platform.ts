import { createClient } from "@connectrpc/connect";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { createTcpTransport } from "../runtime/lazy-tcp-transport.js";
import { socketTcpTransport } from "../runtime/socket-tcp-transport.js";
import { connectBunSocket } from "../tcp/socket/bun-socket.js";
import { createFetchHttpTransport } from "../web/fetch-http-transport.js";

/**
 * Bun: raw TCP over `Bun.connect` (pooled, one process serves many requests);
 * HTTP over Bun's `fetch` with the lean unary transport, the Connect protocol by default.
 * Bun's `node:http2` client is not complete enough for connect-node.
 */
export const bunPlatform: RuntimePlatform = {
  defaultProtocol: "connect",
  poolsSockets: true,
  createHttpTransport: createFetchHttpTransport,
  createServiceClient: createClient,
  // Its code loads when a client with a tcp(s):// endpoint is created: an HTTP-only app neither loads nor (split) ships raw TCP and msgpackr.
  createTcpTransport: socketTcpTransport(createTcpTransport, connectBunSocket),
};
