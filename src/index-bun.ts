// The package entry for bun: the shared API and its createClient.
export * from "./core-exports.js";
export { createClient } from "./bun/index.js";
