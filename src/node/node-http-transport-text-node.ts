/**
 * The source of Node's HTTP transport (`node-http-transport.ts` and the modules
 * only it uses, bundled into one minified CommonJS module that requires the
 * core's modules it shares by id), deflated and in base64
 * (`inflateModuleText` restores it). Nothing here at run time: the package
 * build (tsup.config.ts, `nodeHttpTransportText`) supplies this module, for
 * `node-http-transport-from-text-node.ts` only.
 */
export declare const nodeHttpTransportText: string;
