// The workerd built-in module, typed only as far as we use it, so the package
// needs no @cloudflare/workers-types.
declare module "cloudflare:sockets" {
  import type { CloudflareConnect } from "../tcp/socket/cloudflare-socket.js";
  export const connect: CloudflareConnect;
}
