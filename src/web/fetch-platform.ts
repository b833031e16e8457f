import type { RuntimePlatform } from "../client/runtime-platform.js";
import { createFetchHttpTransport } from "./fetch-http-transport.js";

/** Runtimes with only `fetch`: the Connect protocol by default. */
export const fetchPlatform: RuntimePlatform = {
  defaultProtocol: "connect",
  createHttpTransport: createFetchHttpTransport,
};
