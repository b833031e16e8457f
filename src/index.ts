export * from "./core-exports.js";
// The raw TCP transport, usable on its own with any Connect client.
export { createTcpTransport } from "./tcp/tcp-transport.js";
export { createClient } from "./web/create-client-fetch.js";
export { createPredictionClient } from "./web/create-prediction-client-fetch.js";
