// The fetch runtime's client and its lean unary transport.
export { createClient } from "./create-client-fetch.js";
export { createFetchTransport } from "./create-fetch-transport.js";
export { fetchTransportDefaults, type FetchTransportOptions } from "./fetch-transport-options.js";
