import type { Interceptor } from "@connectrpc/connect";

/**
 * The outermost interceptor of any call that runs user interceptors through
 * Connect's `runUnaryCall` / `runStreamingCall` (the TCP transport, connect-node's
 * stock transport).
 *
 * Why: in `@connectrpc/connect` 2.1.2 those helpers arm the call's deadline timer,
 * then call `next(req)` outside a `try`. An interceptor that throws synchronously
 * skips their cleanup, so the timer stays armed, referenced: the process cannot
 * exit for up to `timeoutMs` after `close()`. As an async function this one turns
 * such a throw into a rejection, which the helpers clean up after. It costs a
 * promise per intercepted call; calls without user interceptors never get it.
 */
export const settlingInterceptor: Interceptor = (next) => async (req) => await next(req);

/** `interceptors` with {@link settlingInterceptor} outermost when there are any. */
export function withSettlingInterceptor(interceptors: readonly Interceptor[]): Interceptor[] {
  return interceptors.length === 0 ? [] : [settlingInterceptor, ...interceptors];
}
