import { createClient } from "@connectrpc/connect";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { tcpOverSockets } from "../runtime/tcp-over-sockets.js";
import { connectDenoSocket } from "../tcp/socket/deno-socket.js";
import { createFetchHttpTransport } from "../web/fetch-http-transport.js";

/**
 * Deno: raw TCP over `Deno.connect` (pooled, one process serves many
 * requests); HTTP over Deno's `fetch` with the lean unary transport, the Connect protocol
 * by default. Needs `--allow-net` for the service hosts.
 */
export const denoPlatform: RuntimePlatform = {
  defaultProtocol: "connect",
  poolsSockets: true,
  createHttpTransport: createFetchHttpTransport,
  createServiceClient: createClient,
  createTcpTransport: tcpOverSockets(connectDenoSocket),
};
