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

/** Raw TCP as above, requests as named maps (the opt-in `tcp.requestFields: "named"`, the contract's written form). */
export const syncvalueTcpNamed = sdkContender("tcp-named", "syncvalue TCP (named requests, opt-in)", (t) => ({
  url: t.tcpUrl,
  tcp: { pool: { min: 1, max: 8, pipelining: 1 }, requestFields: "named" },
}));

/** gRPC over HTTP/2 (connect-node sessions, the lean unary path), default settings. */
export const syncvalueGrpc = sdkContender("grpc", "syncvalue gRPC (connect-node, HTTP/2)", (t) => t.httpUrl);

/**
 * The SDK's client as a user creates it, cache off (a cached answer never
 * reaches the wire): every other option at its default, the deadline
 * included in the layers; only its value is the suite's (`deadlineMs`), so a
 * loaded machine cannot turn a slow call into an error.
 */
function sdkDefaultsContender(id: string, name: string, url: (t: ContenderTarget) => string): ContenderFactory {
  return async (target) => {
    const client = createClient({ prediction: url(target), cache: false, timeoutMs: target.deadlineMs });
    await client.warmup();
    const { request } = target;
    return { id, name, call: () => client.prediction.predictLTV(request), close: () => client.close() };
  };
}

/** Raw TCP with the default pool and pipelining. */
export const syncvalueTcpDefaults = sdkDefaultsContender("tcp", "syncvalue TCP (defaults, cache off)", (t) => t.tcpUrl);

/** gRPC over HTTP/2 with the default sessions (the lean unary path). */
export const syncvalueGrpcDefaults = sdkDefaultsContender("grpc", "syncvalue gRPC (defaults, cache off)", (t) => t.httpUrl);
