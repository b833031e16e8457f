import type { RuntimePlatform } from "../client/runtime-platform.js";
import { createFetchHttpTransport } from "./fetch-http-transport.js";
import { createFetchServiceClient } from "./fetch-service-client.js";

/** Runtimes with only `fetch`: the Connect protocol by default; streams are refused. */
export const fetchPlatform: RuntimePlatform = {
  defaultProtocol: "connect",
  createHttpTransport: createFetchHttpTransport,
  createServiceClient: createFetchServiceClient,
};
