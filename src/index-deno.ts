// The package entry for deno: the shared API and its createClient.
export * from "./core-exports.js";
export { createClient } from "./deno/index.js";
