export * from "./core-exports.js";
// The raw TCP transport, usable on its own with any Connect client.
export { createTcpTransport } from "./tcp/tcp-transport.js";
export { createClient } from "./node/create-client-node.js";
export { createPredictionClient } from "./node/create-prediction-client-node.js";
export { connectNodeSocket } from "./tcp/socket/node-socket-node.js";
