// The third-party code of Node's HTTP stack, in one module: connect-node (its
// HTTP/1.1 and HTTP/2 clients, session manager, compressions), Connect's
// protocol implementations and the `node:http2` constants. Our Node HTTP
// transport takes them from here only, so the package build can ship this
// module as one self-contained file (tsup.config.ts, "Node HTTP stack"): its
// own copy of @connectrpc/connect and @bufbuild/protobuf, held as source text
// that runs when the file is loaded (node-http-stack-from-text-node.ts), Node's
// HTTP modules required then. An app bundled in one ESM file otherwise pays
// for it at start-up on every endpoint, TCP too: a bundler hoists every `node:`
// import to the top, @bufbuild/protobuf decodes descriptor.proto for the
// well-known types the protocols' JSON and error details use, and V8 parses
// the code (docs/benchmarks.md, "Cold start").
export { Http2SessionManager, createNodeHttpClient, compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
export { createTransport as createConnectProtocolTransport } from "@connectrpc/connect/protocol-connect";
export { createTransport as createGrpcProtocolTransport, codeFromHttpStatus, findTrailerError } from "@connectrpc/connect/protocol-grpc";
export { createTransport as createGrpcWebProtocolTransport } from "@connectrpc/connect/protocol-grpc-web";
export { constants as http2Constants } from "node:http2";
