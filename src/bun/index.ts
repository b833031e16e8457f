export { createClient } from "./create-client-bun.js";
export { createPredictionClient } from "./create-prediction-client-bun.js";
