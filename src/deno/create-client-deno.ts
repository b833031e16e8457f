import { createClientOn, type SyncValueClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/client-options.js";
import { denoPlatform } from "./deno-platform.js";

/**
 * Creates a client of the prediction and storage services (Deno build).
 *
 * On Deno, `tcp://` endpoints use pooled `Deno.connect` sockets and
 * `http(s)://` endpoints use the lean unary transport over `fetch` (the Connect protocol by
 * default). Bad options throw `ConnectError` `InvalidArgument` naming the option.
 *
 * @public
 */
export function createClient(options: ClientOptions): SyncValueClient {
  return createClientOn(denoPlatform, options);
}
