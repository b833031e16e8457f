// The gRPC-web protocol, unary, as the fetch transport speaks it.
export { grpcWebUnaryProtocol } from "./unary-protocol.js";
export { parseGrpcWebTrailer } from "./trailer.js";
export { compressedFlag, decodeEnvelopes, encodeEnvelope, trailerFlag, type Envelope } from "./envelope.js";
