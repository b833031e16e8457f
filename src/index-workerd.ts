// The package entry for workerd: the shared API and its createClient and createPredictionClient.
export * from "./core-exports.js";
export { createClient, createPredictionClient } from "./workerd/index.js";
