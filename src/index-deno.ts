// The package entry for deno: the shared API and its createClient and createPredictionClient.
export * from "./core-exports.js";
export { createClient, createPredictionClient } from "./deno/index.js";
