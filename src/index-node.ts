export * from "./core-exports.js";
export { createClient } from "./node/create-client-node.js";
