/**
 * Replaces: protobuf-es's `toBinary` / `fromBinary` (`@bufbuild/protobuf` 2.13.0) on the lean gRPC path
 * (`src/protocol-grpc/unary-protocol-node.ts`), with the same bytes and messages.
 * Measured reason: BENCHMARKS.md, "Encode and decode time per message", rows "protobuf-es binary (gRPC)" and
 * "syncvalue protobuf codec (compiled; lean gRPC on Node)": encoding a request 44,924 ns against 5,054 ns,
 * decoding it 26,080 ns against 14,489 ns.
 * Depends on: `@bufbuild/protobuf` 2.13.0 exactly (package.json pin): its descriptors (`DescMessage`, field kinds,
 * `ScalarType`) and message shapes. test/protobuf-codec/ checks it byte for byte against protobuf-es; re-run it on
 * any upgrade.
 */
// A compiled protobuf binary codec: protobuf-es's toBinary / fromBinary bytes
// and messages, without its reflection layer (several times faster per call).
export { encodeEnvelopedMessage, encodeMessage } from "./message-encoder.js";
export { decodeMessage } from "./message-decoder.js";
