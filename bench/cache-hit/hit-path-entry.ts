// One side of the cache-hit comparison (run-cache-hit-compare.ts): the client
// and the reference server of one source tree, bundled on their own so two
// trees (this one and a baseline commit's) can run in one process.
export { createClient } from "../../src/node/create-client-node.js";
export { createServer } from "../../src/server/index.js";
export { sampleRequest } from "../suite/sample-request.js";
