import { connect } from "cloudflare:sockets";
import { createClient } from "@connectrpc/connect";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { tcpOverSockets } from "../runtime/tcp-over-sockets.js";
import { createCloudflareSocketConnector } from "../tcp/socket/cloudflare-socket.js";
import { createFetchHttpTransport } from "../web/fetch-http-transport.js";

/**
 * Cloudflare Workers (workerd): HTTP over `fetch` with the lean unary transport (with
 * `redirect: "manual"`, which workerd requires), the Connect protocol by
 * default. `tcp://` endpoints use `connect()` from `cloudflare:sockets`, but a
 * Worker may not reuse a socket across requests, so each call opens its own
 * socket: HTTP is the better default there.
 */
export const workerdPlatform: RuntimePlatform = {
  defaultProtocol: "connect",
  // A Worker cannot keep a socket across requests: TCP only when asked for.
  poolsSockets: false,
  createHttpTransport: createFetchHttpTransport,
  createServiceClient: createClient,
  createTcpTransport: tcpOverSockets(createCloudflareSocketConnector(connect)),
};
