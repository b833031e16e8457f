export * from "./core-exports.js";
export { createClient } from "./web/create-client-fetch.js";
