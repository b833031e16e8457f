export { createClient } from "./create-client-bun.js";
