export { createClient } from "./create-client-workerd.js";
