// The package entry for workerd: the shared API and its createClient, createPredictionClient and createTcpTransport.
export * from "./core-exports.js";
// The raw TCP transport, usable on its own with any Connect client.
export { createTcpTransport } from "./tcp/tcp-transport.js";
export { createClient, createPredictionClient } from "./workerd/index.js";
