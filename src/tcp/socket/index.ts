export type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents, SocketTlsOptions } from "./runtime-socket.js";
export { connectBunSocket } from "./bun-socket.js";
export { connectDenoSocket } from "./deno-socket.js";
export { createCloudflareSocketConnector, type CloudflareConnect, type CloudflareSocket } from "./cloudflare-socket.js";
