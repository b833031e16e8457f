// The API every entry point shares; each entry adds its runtime's createClient.
export type { SyncValueClient } from "./client/create-client.js";
export {
  clientDefaults,
  type ClientOptions,
  type Endpoint,
  type EndpointOptions,
  type Http2KeepaliveOptions,
  type ServiceProtocol,
} from "./client/client-options.js";
export { validationLimits, type ValidationLimits } from "./validation/validation-limits.js";
export * from "./gen/syncvalue/v1/syncvalue_pb.js";
export * from "./gen/sutra/storage/storage_pb.js";
export { Code, ConnectError } from "@connectrpc/connect";
export { PLATFORMS, toPlatform, type Platform } from "./model/platforms.js";
