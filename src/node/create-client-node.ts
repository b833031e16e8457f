import { createClientOn, type SyncValueClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/client-options.js";
import { nodePlatform } from "./node-platform.js";

/**
 * Creates a client of the prediction and storage services.
 *
 * On Node, `http://` and `https://` endpoints use connect-node over HTTP/2
 * (gRPC by default). Bad options throw `ConnectError` `InvalidArgument`
 * naming the option; nothing is connected until the first call or `warmup()`.
 * The HTTP/2 stack loads only for http(s) endpoints, in the background from
 * here; a call made before it is loaded waits for it before its deadline
 * starts.
 *
 * @example
 * ```ts
 * const client = createClient({ prediction: "http://127.0.0.1:8080" });
 * const ltv = await client.prediction.predictLTV({ customerId: "c-1", platform: "meta" });
 * await client.close();
 * ```
 * @public
 */
export function createClient(options: ClientOptions): SyncValueClient {
  return createClientOn(nodePlatform, options);
}
