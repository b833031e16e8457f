import type { Interceptor } from "@connectrpc/connect";

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
}

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
}

/**
 * The defaults of {@link ClientOptions} and {@link Http2KeepaliveOptions}.
 *
 * @public
 */
export const clientDefaults = {
  timeoutMs: 100,
  httpVersion: "2",
  http2: {
    pingIntervalMs: 10_000,
    pingTimeoutMs: 5_000,
    pingIdleConnection: true,
    idleConnectionTimeoutMs: 15 * 60_000,
  },
} as const;
