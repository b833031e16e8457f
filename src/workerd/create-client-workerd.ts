import { createClientOn, type SyncValueClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/client-options.js";
import { workerdPlatform } from "./workerd-platform.js";

/**
 * Creates a client of the prediction and storage services (Cloudflare Workers build).
 *
 * In a Worker, `http(s)://` endpoints use the lean unary transport over `fetch` (the
 * Connect protocol by default); `tcp://` endpoints use `cloudflare:sockets`,
 * one socket per call since a Worker cannot keep sockets across requests.
 * Bad options throw `ConnectError` `InvalidArgument` naming the option.
 *
 * @public
 */
export function createClient(options: ClientOptions): SyncValueClient {
  return createClientOn(workerdPlatform, options);
}
