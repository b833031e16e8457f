// What the HTTP protocols share: the shape of a unary call on the wire, the HTTP-status table, body reading.
export { decodeBase64 } from "./decode-base64.js";
export { codeFromHttpStatus } from "./http-status-code.js";
export { discardBody, readBodyBytes } from "./read-body-bytes.js";
export type { UnaryWireProtocol, WireResponse } from "./unary-wire-protocol.js";
