export { createClient } from "./create-client-workerd.js";
export { createPredictionClient } from "./create-prediction-client-workerd.js";
