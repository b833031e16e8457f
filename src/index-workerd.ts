// The package entry for workerd: the shared API and its createClient.
export * from "./core-exports.js";
export { createClient } from "./workerd/index.js";
