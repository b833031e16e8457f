import { createContextKey } from "@connectrpc/connect";

/**
 * Per-call cache control, passed through Connect's `contextValues`:
 * - `"default"`: use the cache (the default);
 * - `"bypass"`: neither read nor write the cache, nor join a request in
 *   flight: the call goes to the service as if there were no cache;
 * - `"refresh"`: skip the cached entry and any request in flight, call the
 *   service, and store its answer.
 *
 * @example
 * ```ts
 * import { createContextValues } from "@connectrpc/connect";
 * const fresh = await client.prediction.predictLTV(req, {
 *   contextValues: createContextValues().set(cacheControl, "refresh"),
 * });
 * ```
 * @public
 */
export const cacheControl = createContextKey<CacheControl>("default", { description: "syncvalue.cacheControl" });

/**
 * Values of {@link cacheControl}.
 *
 * @public
 */
export type CacheControl = "default" | "bypass" | "refresh";
