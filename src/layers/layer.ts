import type { Transport } from "@connectrpc/connect";

/**
 * A per-call layer: a `Transport` that wraps the next one (the one nearer the
 * wire). Every feature of a client (validation, the default deadline, the
 * cache, retries, ...) is one, and so is a layer of your own passed in the
 * `layers` client option. A layer sees each call's method, signal, effective
 * `timeoutMs`, headers and input, may change them or answer itself, and
 * passes the rest to `next`. As undici's `compose` and cockatiel's `wrap`.
 *
 * @example
 * ```ts
 * const countCalls: Layer = (next) => ({
 *   unary: (method, signal, timeoutMs, header, input, contextValues) => {
 *     calls++;
 *     return next.unary(method, signal, timeoutMs, header, input, contextValues);
 *   },
 *   stream: (...args) => next.stream(...args),
 * });
 * ```
 *
 * @public
 */
export type Layer = (next: Transport) => Transport;
