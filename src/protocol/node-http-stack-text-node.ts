/**
 * The source of Node's HTTP stack (`connect-http-stack-node.ts` bundled into
 * one minified CommonJS module, its own copy of Connect and protobuf
 * included), deflated and in base64 (`inflateModuleText` restores it).
 * Nothing here at run time: the package build (tsup.config.ts,
 * `nodeHttpStackText`) supplies this module, for
 * `node-http-stack-from-text-node.ts` only.
 */
export declare const nodeHttpStackText: string;
