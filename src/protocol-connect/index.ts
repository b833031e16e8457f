// The Connect protocol, unary, as the fetch transport speaks it.
export { connectUnaryProtocol } from "./unary-protocol.js";
export { errorFromConnectBody } from "./status-error.js";
export { codeFromConnectName } from "./code-names.js";
