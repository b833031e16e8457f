// A compiled protobuf binary codec: protobuf-es's toBinary / fromBinary bytes
// and messages, without its reflection layer (several times faster per call).
export { encodeMessage } from "./message-encoder.js";
export { decodeMessage } from "./message-decoder.js";
