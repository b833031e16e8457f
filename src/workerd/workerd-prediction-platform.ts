import { connect } from "cloudflare:sockets";
import type { RuntimePlatform } from "../client/runtime-platform.js";
import { socketTcpTransport } from "../runtime/socket-tcp-transport.js";
import { createCloudflareSocketConnector } from "../tcp/socket/cloudflare-socket.js";
import type { createTcpTransport } from "../tcp/tcp-transport.js";
import { fetchPlatform } from "../web/fetch-platform.js";

/**
 * What `createPredictionClient` runs on in a Worker: HTTP over `fetch`, as on
 * the other fetch runtimes (workerd refuses fetch streams as they do, so the
 * lean service client serves), and raw TCP over `cloudflare:sockets` only
 * when the caller passes `createTcpTransport` (`tcpTransport` option). That
 * keeps the TCP transport, msgpackr, the storage descriptors its bindings
 * carry and Connect's generic client out of an HTTP-only Worker's bundle
 * (`createClient` keeps them: see `workerdPlatform`).
 */
export function workerdPredictionPlatform(tcpTransport: typeof createTcpTransport | undefined): RuntimePlatform {
  if (tcpTransport === undefined) {
    return {
      ...fetchPlatform,
      tcpRefusal: "in a Worker, createPredictionClient has raw TCP only with `tcpTransport: createTcpTransport`",
    };
  }
  return { ...fetchPlatform, createTcpTransport: socketTcpTransport(tcpTransport, createCloudflareSocketConnector(connect)) };
}
