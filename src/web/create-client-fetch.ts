import { createClientOn, type SyncValueClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/client-options.js";
import { fetchPlatform } from "./fetch-platform.js";

/**
 * Creates a client of the prediction and storage services.
 *
 * In runtimes with only `fetch` (edge runtimes, browsers), `http://` and
 * `https://` endpoints use the lean `createFetchTransport` (the Connect protocol
 * by default; gRPC-web on request), unary calls with binary protobuf.
 * Bad options throw `ConnectError` `InvalidArgument` naming the option.
 *
 * @public
 */
export function createClient(options: ClientOptions): SyncValueClient {
  return createClientOn(fetchPlatform, options);
}
