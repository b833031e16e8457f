// gRPC status decoding, shared with gRPC-web. The unary call over node:http2
// (unary-protocol-node.ts) and the HTTP/2 reset codes (http2-reset-code-node.ts)
// are Node only, imported by src/node/ directly, so this index stays edge-safe.
export { grpcMessage, grpcStatusError } from "./status-error.js";
export { decodeGoogleRpcStatus, type GoogleRpcStatus } from "./google-rpc-status.js";
