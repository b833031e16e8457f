// The package entry for deno: the shared API and its createClient, createPredictionClient and createTcpTransport.
export * from "./core-exports.js";
// The raw TCP transport, usable on its own with any Connect client; loaded on first use in this build.
export { createTcpTransport } from "./runtime/lazy-tcp-transport.js";
export { createClient, createPredictionClient } from "./deno/index.js";
