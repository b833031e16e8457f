import type { ClientOptions } from "../../../src/client/client-options.js";
import { createClient } from "../../../src/node/create-client-node.js";
import type { ContenderFactory, ContenderTarget, UnaryContender } from "./unary-contender.js";

/**
 * The SDK's client with only the wire path on: cache, retries, breaker and
 * fallback off (they are measured on their own), validation, the default
 * deadline and metrics on (a user cannot turn them off).
 */
export const wirePathOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const satisfies Partial<ClientOptions>;

function sdkContender(id: string, name: string, endpoint: (t: ContenderTarget) => ClientOptions["prediction"]): ContenderFactory {
  return async (target) => {
    const client = createClient({ prediction: endpoint(target), timeoutMs: target.deadlineMs, ...wirePathOnly });
    await client.warmup();
    const { request } = target;
    const contender: UnaryContender = {
      id,
      name,
      call: () => client.prediction.predictLTV(request),
      close: () => client.close(),
    };
    return contender;
  };
}

/** Raw TCP, pooled (up to 8 connections), one request in flight per connection. */
export const syncvalueTcpNoPipelining = sdkContender("tcp-p1", "syncvalue TCP (pool 8, pipelining off)", (t) => ({
  url: t.tcpUrl,
  tcp: { pool: { min: 1, max: 8, pipelining: 1 } },
}));

/** Raw TCP, pooled (up to 8 connections), up to 8 requests in flight per connection. */
export const syncvalueTcpPipelining = sdkContender("tcp-p8", "syncvalue TCP (pool 8, pipelining 8)", (t) => ({
  url: t.tcpUrl,
  tcp: { pool: { min: 1, max: 8, pipelining: 8 } },
}));

/** Raw TCP as above, requests laid out positionally (the opt-in `tcp.requestFields`). */
export const syncvalueTcpPositional = sdkContender("tcp-positional", "syncvalue TCP (positional requests)", (t) => ({
  url: t.tcpUrl,
  tcp: { pool: { min: 1, max: 8, pipelining: 1 }, requestFields: "positional" },
}));

/** gRPC over HTTP/2 (connect-node sessions, the lean unary path), default settings. */
export const syncvalueGrpc = sdkContender("grpc", "syncvalue gRPC (connect-node, HTTP/2)", (t) => t.httpUrl);
