import { createClient } from "@connectrpc/connect";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { createTcpTransport } from "../runtime/lazy-tcp-transport.js";
import { socketTcpTransport } from "../runtime/socket-tcp-transport.js";
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
  // Its code loads when a client with a tcp(s):// endpoint is created: an HTTP-only app neither loads nor (split) ships raw TCP and msgpackr.
  createTcpTransport: socketTcpTransport(createTcpTransport, connectDenoSocket),
};
