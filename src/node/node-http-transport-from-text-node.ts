// What the package build's Node entry loads for an http(s):// endpoint in
// place of node-http-transport.ts (tsup.config.ts, `nodeHttpTransportFromText`):
// that transport run from its source text when this module is first
// evaluated. An application bundled into one file holds the transport's code
// even when it only uses tcp://; as compressed text, V8 scans a short string at
// start-up instead of parsing it (docs/benchmarks.md, "Cold start"). The sources (tests, type
// checks) import node-http-transport.ts directly.
import * as httpStack from "../protocol/connect-http-stack-node.js";
import { evaluateModuleText, inflateModuleText } from "../protocol/evaluate-module-text-node.js";
import { httpTransportCore } from "./http-transport-core-node.js";
import type * as NodeHttpTransport from "./node-http-transport.js";
import { nodeHttpTransportText } from "./node-http-transport-text-node.js";

// The core's modules the transport shares, from node-platform.ts, which sets
// them before it loads this module; and the HTTP stack's module.
const core = httpTransportCore.modules;
if (core === undefined) throw new Error("the HTTP transport loaded before node-platform.ts set the core's modules it shares");
const transport = evaluateModuleText(inflateModuleText(nodeHttpTransportText), "syncvalue/dist/node-http-transport.cjs", {
  ...core,
  "syncvalue:protocol/connect-http-stack-node": httpStack,
}) as unknown as typeof NodeHttpTransport;

export const { createNodeHttpTransport } = transport;

// Every export of the transport is re-exported above: a compile error here names one left out.
type NothingLeftOut<Missing extends never> = Missing;
type _Check = NothingLeftOut<Exclude<keyof typeof NodeHttpTransport, keyof typeof import("./node-http-transport-from-text-node.js")>>;
