import { createClientOn, type SyncValueClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/client-options.js";
import { bunPlatform } from "./bun-platform.js";

/**
 * Creates a client of the prediction and storage services (Bun build).
 *
 * On Bun, `tcp://` endpoints use pooled `Bun.connect` sockets and `http(s)://`
 * endpoints use the lean unary transport over `fetch` (the Connect protocol by default).
 * Bad options throw `ConnectError` `InvalidArgument` naming the option.
 *
 * @public
 */
export function createClient(options: ClientOptions): SyncValueClient {
  return createClientOn(bunPlatform, options);
}
