// The package build's dist/node-http-stack.js (and .cjs): Node's HTTP stack
// (connect-http-stack-node.ts), run from its source text when this module is
// first evaluated, that is when the client's HTTP transport loads for an
// http(s):// endpoint. An application bundled into one file holds the stack's
// code even when it only uses tcp://; as compressed text, V8 scans a short
// string at start-up instead of parsing it (docs/benchmarks.md, "Cold start"). The sources (tests,
// type checks) import connect-http-stack-node.ts directly.
import type * as NodeHttpStack from "./connect-http-stack-node.js";
import { evaluateModuleText, inflateModuleText } from "./evaluate-module-text-node.js";
import { nodeHttpStackText } from "./node-http-stack-text-node.js";

const stack = evaluateModuleText(inflateModuleText(nodeHttpStackText), "syncvalue/dist/node-http-stack.cjs") as unknown as typeof NodeHttpStack;

export const {
  Http2SessionManager,
  createNodeHttpClient,
  compressionBrotli,
  compressionGzip,
  createConnectProtocolTransport,
  createGrpcProtocolTransport,
  codeFromHttpStatus,
  findTrailerError,
  createGrpcWebProtocolTransport,
  http2Constants,
} = stack;

// Every export of the stack is re-exported above: a compile error here names one left out.
type NothingLeftOut<Missing extends never> = Missing;
type _Check = NothingLeftOut<Exclude<keyof typeof NodeHttpStack, keyof typeof import("./node-http-stack-from-text-node.js")>>;
