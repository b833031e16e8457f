export * from "./core-exports.js";
export { createClient } from "./node/create-client-node.js";
export { createPredictionClient } from "./node/create-prediction-client-node.js";
export { connectNodeSocket } from "./tcp/socket/node-socket-node.js";
