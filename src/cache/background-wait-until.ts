import { createContextKey, type ConnectError } from "@connectrpc/connect";
import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * The platform's way to keep work going after a request has answered:
 * Cloudflare Workers' `ctx.waitUntil`, Vercel's `waitUntil` from
 * `@vercel/functions`, or any `(promise) => void` that keeps the promise's
 * work alive until it settles.
 *
 * @public
 */
export type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * Per-call {@link WaitUntil} for the cache's background refreshes, passed
 * through Connect's `contextValues`; it takes precedence over the client's
 * `waitUntil` option. Default: none (the client option, if any).
 *
 * A stale answer is served at once while a background call refreshes it. On
 * a platform that cancels a request's work once it has answered (Workers do),
 * that refresh only completes if it is handed to the request's `waitUntil`.
 *
 * @example
 * ```ts
 * import { createContextValues } from "@connectrpc/connect";
 * // In a Worker's fetch(request, env, ctx):
 * const answer = await client.prediction.predictLTV(req, {
 *   contextValues: createContextValues().set(backgroundWaitUntil, (p) => ctx.waitUntil(p)),
 * });
 * ```
 * @public
 */
export const backgroundWaitUntil = createContextKey<WaitUntil | undefined>(undefined, { description: "syncvalue.backgroundWaitUntil" });

/** Checks a {@link WaitUntil} given as `field`; throws `InvalidArgument` naming it. */
export function checkWaitUntil(value: unknown, field: string): asserts value is WaitUntil | undefined {
  if (value !== undefined && typeof value !== "function") throw badWaitUntil(field);
}

/** The error of a `field` that should have been a {@link WaitUntil}. */
export function badWaitUntil(field: string): ConnectError {
  return invalidArgument(field, "must be a function (promise) => void, such as (p) => ctx.waitUntil(p)");
}
