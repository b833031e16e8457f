export { microBatchDefaults, type MicroBatchOptions } from "./micro-batch-options.js";
export { createMicroBatchTransport } from "./micro-batch-transport.js";
