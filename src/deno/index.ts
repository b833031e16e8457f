export { createClient } from "./create-client-deno.js";
export { createPredictionClient } from "./create-prediction-client-deno.js";
