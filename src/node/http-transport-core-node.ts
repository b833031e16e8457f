/**
 * The core's modules that Node's HTTP transport shares with the client when
 * the package build loads the transport from its text
 * (`node-http-transport-from-text-node.ts`), by the ids the text requires them
 * by: `node-platform.ts` sets them before it loads the transport. A slot that
 * imports nothing, rather than imports of those modules in the transport's
 * wrapper: a bundler wraps every module reachable from a lazy `import()` in a
 * lazy initializer, and the core's modules wrapped that way cost a one-file
 * application's tcp:// start-up (docs/benchmarks.md, "Cold start").
 */
export const httpTransportCore: { modules?: Readonly<Record<string, unknown>> } = {};
