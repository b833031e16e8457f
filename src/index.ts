export * from "./core-exports.js";
export { createClient } from "./web/create-client-fetch.js";
export { createPredictionClient } from "./web/create-prediction-client-fetch.js";
