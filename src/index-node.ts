export * from "./core-exports.js";
export { createClient } from "./node/create-client-node.js";
export { connectNodeSocket } from "./tcp/socket/node-socket-node.js";
