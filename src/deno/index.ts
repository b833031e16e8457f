export { createClient } from "./create-client-deno.js";
