import type { Interceptor } from "@connectrpc/connect";
import type { TcpTransportOptions } from "../tcp/tcp-transport-options.js";
import type { MicroBatchOptions } from "../layers/micro-batch-options.js";
import type { WaitUntil } from "../cache/background-wait-until.js";
import type { CacheOptions } from "../cache/cache-options.js";
import type { ClientEvent } from "../metrics/client-event.js";
import type { ClientTelemetry } from "./client-telemetry.js";
import type { LayerInsertion } from "../layers/layer-insertion.js";
import type { CircuitBreakerOptions } from "../resilience/circuit-breaker.js";
import type { FallbackOptions } from "../layers/fallback-transport.js";
import type { HedgingOptions } from "../layers/hedging-transport.js";
import type { RetryOptions } from "../layers/retry-transport.js";
import type { SocketTlsOptions } from "../tcp/socket/runtime-socket.js";

/**
 * The RPC protocol spoken to an `http://` or `https://` endpoint.
 *
 * - `"grpc"`: gRPC over HTTP/2 (binary protobuf). The default where the
 *   runtime has HTTP/2 with trailers (Node, Bun, Deno).
 * - `"connect"`: the Connect protocol; works over HTTP/1.1 and `fetch`.
 *   The default where only `fetch` is available (edge runtimes, browsers).
 * - `"grpc-web"`: gRPC-web, for proxies and servers that speak only it.
 *
 * @public
 */
export type ServiceProtocol = "grpc" | "connect" | "grpc-web";

/**
 * How HTTP/2 connections are kept warm. The defaults match the services' own
 * gRPC settings, so neither side drops a connection the other thinks alive.
 *
 * @public
 */
export interface Http2KeepaliveOptions {
  /**
   * Send a PING after this long without activity on the connection.
   * Default 10,000 ms. gRPC core: `GRPC_ARG_KEEPALIVE_TIME_MS`.
   */
  pingIntervalMs?: number;
  /**
   * Close the connection when a PING is not answered in this time, failing
   * its open streams. Default 5,000 ms. gRPC core: `GRPC_ARG_KEEPALIVE_TIMEOUT_MS`.
   */
  pingTimeoutMs?: number;
  /**
   * Also PING connections that have no open stream, so an idle connection is
   * still warm when the next bid needs it. Default `true`.
   * gRPC core: `GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS`.
   * A connection idle for longer than `pingIntervalMs` is verified with a
   * PING before it is reused either way.
   */
  pingIdleConnection?: boolean;
  /**
   * Close a connection that has had no stream for this long.
   * Default 900,000 ms (15 minutes). gRPC core: `GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS`.
   */
  idleConnectionTimeoutMs?: number;
  /**
   * HTTP/2 connections opened to the endpoint (on Node); each call goes to the
   * one with the fewest calls in flight. More than one spreads the load of
   * many concurrent calls over several TCP connections and session state
   * machines, and lets one connection be replaced while others serve.
   * Default 2. gRPC core: a channel pool of this size
   * (`GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL` with distinct channel args).
   */
  sessions?: number;
}

/**
 * One service endpoint in full.
 *
 * @public
 */
export interface EndpointOptions {
  /**
   * Where the service listens: `http://host:port` or `https://host:port` for
   * Connect, gRPC and gRPC-web; `tcp://host:port` or `tcps://host:port` for the
   * raw TCP binding (framed MessagePack). Required.
   */
  url: string;
  /**
   * The protocol for an `http(s)://` url. Default `"grpc"` on Node, `"connect"`
   * where only `fetch` exists. Not allowed with `tcp://` urls.
   */
  protocol?: ServiceProtocol;
  /**
   * HTTP version for an `http(s)://` url on Node. Default `"2"`. gRPC needs
   * HTTP/2; Connect and gRPC-web also work over `"1.1"`.
   */
  httpVersion?: "1.1" | "2";
  /** HTTP/2 keep-alive; see {@link Http2KeepaliveOptions} for the defaults. */
  http2?: Http2KeepaliveOptions;
  /**
   * Largest response body one call of an `http(s)://` endpoint accepts, in
   * bytes (after any HTTP content decoding on fetch runtimes); counted as the
   * body streams in, so a larger one fails the call with `ResourceExhausted`
   * at the first chunk past the cap, never buffered whole. Default 4 MiB
   * (4,194,304), gRPC's own default receive limit: a prediction answer is
   * under 1 KB, a 1,000-request batch (the batch limit) about 250 KB. For `tcp(s)://` urls
   * use `tcp.maxFrameBytes`.
   */
  maxResponseBytes?: number;
  /**
   * TLS of an `https://` url on Node: `ca` (PEM, replaces the trust store),
   * `cert` and `key` (mutual TLS, both or neither), `serverName` (SNI and
   * verification; default the URL's host), `rejectUnauthorized` (default
   * `true`). Default: Node's trust store, no client certificate. Not allowed
   * with `http://` urls; for `tcps://` use `tcp.tls`. Fetch-only runtimes use
   * their platform's trust store and refuse this option.
   */
  tls?: SocketTlsOptions;
  /**
   * Raw TCP settings for a `tcp(s)://` url: TLS, the warm pool, the frame cap,
   * connect and keep-alive timing; see {@link TcpEndpointOptions} for the
   * defaults. Not allowed with `http(s)://` urls.
   */
  tcp?: TcpEndpointOptions;
  /**
   * The same service's `http://` or `https://` URL, next to a `tcp(s)://`
   * `url`: runtimes that cannot pool sockets use it (see `transport`). Then
   * `protocol`, `httpVersion`, `http2` and `tls` apply to it, and `tcp` to
   * `url`. Default: none (the endpoint has one URL).
   */
  httpUrl?: string;
  /**
   * Which of `url` and `httpUrl` to use. Default `"auto"`: raw TCP where the
   * runtime pools sockets across requests (Node, Bun, Deno), HTTP where it
   * cannot (Cloudflare Workers, Vercel edge, browsers). `"tcp"` forces the
   * TCP url (in Workers: a `cloudflare:sockets` socket per call); `"http"`
   * forces the HTTP one.
   */
  transport?: EndpointTransport;
}

/**
 * How an endpoint that has both a TCP and an HTTP URL is reached; see
 * {@link EndpointOptions.transport}.
 *
 * @public
 */
export type EndpointTransport = "auto" | "tcp" | "http";

/**
 * The raw TCP transport's settings that an endpoint may carry (the socket
 * connector, auth token and interceptors come from the runtime and the client).
 *
 * @public
 */
export type TcpEndpointOptions = Pick<
  TcpTransportOptions,
  "tls" | "pool" | "maxFrameBytes" | "connectTimeoutMs" | "keepAliveInitialDelayMs" | "requestFields"
>;

/**
 * An endpoint as a URL string (all defaults) or as {@link EndpointOptions}.
 *
 * @public
 */
export type Endpoint = string | EndpointOptions;

/**
 * Options of {@link createClient}.
 *
 * @public
 */
export interface ClientOptions {
  /**
   * The prediction service (`syncvalue.v1.SyncValueService`). Optional: calls
   * to a service without an endpoint fail with `FailedPrecondition`.
   */
  prediction?: Endpoint;
  /** The storage service (`sutra.storage.StorageService`). Optional, as `prediction`. */
  storage?: Endpoint;
  /**
   * Deadline of every unary call, in milliseconds, unless the call passes its
   * own `timeoutMs` (`<= 0` there means none). Default 100: a bid cannot wait
   * longer. Streams have no default deadline.
   */
  timeoutMs?: number;
  /**
   * Credentials. `token` is sent as `authorization: Bearer <token>` on every
   * RPC call, and as the auth handshake on raw TCP connections. It is never
   * logged nor put into an error message.
   */
  auth?: { token: string };
  /**
   * Connect interceptors, run on every call after validation (they see only
   * valid requests) and before the request is sent. Default none.
   */
  interceptors?: Interceptor[];
  /**
   * The response cache of `predictLTV` (and of opted-in storage reads), with
   * stale-while-revalidate, stale-if-error and coalescing of identical calls.
   * `false` turns it off. Default on: 10,000 entries, 16 MiB, TTL 60 s,
   * stale-while-revalidate 30 s, stale-if-error 5 min, no storage reads
   * (see {@link CacheOptions}). Per call: the `cacheControl` context value.
   */
  cache?: boolean | CacheOptions;
  /**
   * Keeps the cache's background refreshes alive after the call that started
   * them has answered: a `(promise) => void` such as Vercel's `waitUntil`
   * from `@vercel/functions`. On a platform that cancels a request's work
   * once it has answered (Cloudflare Workers), a refresh without it is
   * usually lost; per call, the `backgroundWaitUntil` context value (e.g.
   * `(p) => ctx.waitUntil(p)`) takes precedence. Default none: a refresh is
   * then bounded by its deadline and never joined by other calls.
   */
  waitUntil?: WaitUntil;
  /**
   * Micro-batching: `predictLTV` calls made in the same tick (or within
   * `windowMs`) go out as one `PredictLTVBatch`. Default off (it trades a
   * little latency for throughput); `true` or options turn it on
   * (see {@link MicroBatchOptions}: `windowMs` 0, `maxBatchSize` 128).
   */
  batching?: boolean | MicroBatchOptions;
  /**
   * Retries of idempotent calls (never `LearnConcept`, `LearnAssociation`,
   * `Flush`) with exponential backoff and full jitter, inside the deadline
   * and a retry budget. `false` turns them off. Default on: 3 attempts on
   * `Unavailable`, `ResourceExhausted`, `Aborted` (see {@link RetryOptions}).
   */
  retry?: boolean | RetryOptions;
  /**
   * Hedged `predictLTV`: a second attempt after the observed p95, the loser
   * cancelled. Default off; `true` or options turn it on (see {@link HedgingOptions}).
   */
  hedging?: boolean | HedgingOptions;
  /**
   * A circuit breaker per endpoint: 5 consecutive failures, or 50% failures
   * over 10 s (20 calls at least), open it for 5 s, then one probe at a time.
   * `false` turns it off. Default on (see {@link CircuitBreakerOptions}).
   */
  circuitBreaker?: boolean | CircuitBreakerOptions;
  /**
   * Local fallback for `predictLTV`: when the breaker is open, less than 5 ms
   * of the deadline is left, or the call failed with `Unavailable`,
   * `DeadlineExceeded` or `ResourceExhausted`, answer with the embedded
   * baseline model and status `FALLBACK` (never cached). `false` turns it
   * off. Default on (see {@link FallbackOptions}). Per call: the
   * `allowFallback` context value.
   */
  fallback?: boolean | FallbackOptions;
  /**
   * Largest total of response bytes the client holds at once for its calls
   * in flight over `http(s)://` endpoints (all endpoints together): the call
   * whose bytes would cross it fails with `ResourceExhausted`, so many large
   * answers at once cannot exhaust the process. Default 64 MiB (67,108,864).
   * Each stream message is bounded by `maxResponseBytes` only.
   */
  maxResponseBytesInFlight?: number;
  /**
   * Receives retry, hedge, break, half-open, close, fallback and
   * misconfiguration events (see {@link ClientEvent}); called synchronously,
   * errors ignored. Default none.
   */
  onEvent?: (event: ClientEvent) => void;
  /**
   * Tracing and metrics of every call: `openTelemetry()` from
   * `syncvalue/otel` (a span per call, enclosing its cache lookup, retries,
   * hedge and fallback, W3C trace context on HTTP requests, and OpenTelemetry
   * metrics). Default none: calls then pay nothing for it.
   */
  telemetry?: ClientTelemetry;
  /**
   * Layers of your own, each placed directly before or after a named layer of
   * the client's stack (`layerPositions`, outermost first): e.g.
   * `{ layer, after: "cache" }` sees every call the cache does not answer,
   * `{ layer, after: "retry" }` each attempt. Built once per service. A bad
   * entry is `InvalidArgument` naming it. Default none.
   */
  layers?: LayerInsertion[];
}

// The option names createClient accepts: anything else is refused (a typo in
// JavaScript must not pass silently). Typed as a record of every key, so a
// new field of ClientOptions that is not listed here fails to compile.
const clientOptionKeys: Record<keyof ClientOptions, 1> = {
  prediction: 1,
  storage: 1,
  timeoutMs: 1,
  auth: 1,
  interceptors: 1,
  cache: 1,
  waitUntil: 1,
  batching: 1,
  retry: 1,
  hedging: 1,
  circuitBreaker: 1,
  fallback: 1,
  maxResponseBytesInFlight: 1,
  onEvent: 1,
  telemetry: 1,
  layers: 1,
};
export const clientOptionNames: readonly string[] = Object.keys(clientOptionKeys);

// The field names of EndpointOptions, refused otherwise as above, and checked
// against the interface the same way (Http2KeepaliveOptions' are the keys of
// clientDefaults.http2: every one has a default).
const endpointOptionKeys: Record<keyof EndpointOptions, 1> = {
  url: 1,
  protocol: 1,
  httpVersion: 1,
  http2: 1,
  tls: 1,
  tcp: 1,
  httpUrl: 1,
  transport: 1,
  maxResponseBytes: 1,
};
export const endpointOptionNames: readonly string[] = Object.keys(endpointOptionKeys);

/**
 * The defaults of {@link ClientOptions} and {@link Http2KeepaliveOptions}.
 *
 * @public
 */
export const clientDefaults = {
  timeoutMs: 100,
  httpVersion: "2",
  maxResponseBytes: 4 * 1024 * 1024,
  maxResponseBytesInFlight: 64 * 1024 * 1024,
  http2: {
    pingIntervalMs: 10_000,
    pingTimeoutMs: 5_000,
    pingIdleConnection: true,
    idleConnectionTimeoutMs: 15 * 60_000,
    sessions: 2,
  },
} as const;
