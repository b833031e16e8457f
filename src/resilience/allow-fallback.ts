import { createContextKey } from "@connectrpc/connect";

// A module of its own: the cache sets it on background refreshes, and must not
// load the fallback (and its model) to do so.
/**
 * Per-call switch of the fallback: pass `false` to get the service's own
 * answer or its error, never a local one.
 *
 * @example
 * ```ts
 * await client.prediction.predictLTV(req, { contextValues: createContextValues().set(allowFallback, false) });
 * ```
 * @public
 */
export const allowFallback = createContextKey<boolean>(true, { description: "syncvalue.allowFallback" });
