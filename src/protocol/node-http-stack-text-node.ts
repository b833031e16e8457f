/**
 * The source of Node's HTTP stack (`connect-http-stack-node.ts` bundled into
 * one minified CommonJS module, its own copy of Connect and protobuf
 * included), as a string. Nothing here at run time: the package build
 * (tsup.config.ts, `nodeHttpStackText`) supplies this module, for
 * `node-http-stack-from-text-node.ts` only.
 */
export declare const nodeHttpStackText: string;
