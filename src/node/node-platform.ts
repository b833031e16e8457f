import type { RuntimePlatform } from "../client/runtime-platform.js";
import { createNodeHttpTransport } from "./node-http-transport.js";

/** Node: HTTP/2 through connect-node, gRPC by default. */
export const nodePlatform: RuntimePlatform = {
  defaultProtocol: "grpc",
  createHttpTransport: createNodeHttpTransport,
};
