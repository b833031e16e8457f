// The package entry for bun: the shared API and its createClient and createPredictionClient.
export * from "./core-exports.js";
export { createClient, createPredictionClient } from "./bun/index.js";
