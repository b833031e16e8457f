import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { defaultMaxFrameBytes } from "./frame-codec.js";
import type { ConnectionPoolSettings } from "./connection-pool.js";
import type { SocketConnector, SocketTlsOptions } from "./socket/runtime-socket.js";
import { parseTcpUrl, type TcpEndpoint } from "./tcp-url.js";

/** Options of the warm connection pool. Every field is optional. */
export interface TcpPoolOptions {
  /**
   * Connections opened by `warmup()` (or the first request) and kept open;
   * lost ones are replaced in the background. Default `1`.
   * (undici `Pool` has no minimum; gRPC keeps one subchannel connection.)
   */
  min?: number;
  /** Most connections to the endpoint. Default `8`. (undici `Pool` `connections`.) */
  max?: number;
  /**
   * Requests allowed to wait when every connection is busy; one more fails
   * with `ResourceExhausted`. Default `1024`.
   */
  maxQueue?: number;
  /**
   * Requests in flight per connection; answers match first-in first-out (the
   * server answers strictly in order). A request goes to the least-loaded
   * connection, and the frames of one event-loop turn go out in one write,
   * so under load a call shares its write and read syscalls with others.
   * The price is head-of-line blocking: a slow answer delays the ones behind
   * it on its connection (a connection holding an abandoned request, one
   * whose deadline passed, gets nothing new until that answer is in). `1`
   * disables pipelining: one request per connection, each call its own
   * syscalls. Default `8`. (undici `pipelining`, default 1.)
   */
  pipelining?: number;
  /**
   * A request whose deadline passes (or whose caller cancels) after its frame
   * was written fails at once, but keeps its place in the connection's
   * first-in first-out order: its answer is read and dropped when it comes,
   * so the requests pipelined behind it still get theirs. If it has not come
   * this long after the deadline, the connection is taken as in doubt (the
   * server may never answer) and closed: requests still in flight on it fail
   * with `Unavailable`, and are never sent again (the `retry` layer above may
   * retry reads; writes are never repeated). Default `2000` ms.
   */
  lateAnswerGraceMs?: number;
  /**
   * A connection idle longer than this answers a `"HealthCheck"` round trip
   * before the next request uses it. Default `15000` ms.
   * (gRPC `keepalive_time` pings, but on demand instead of periodically.)
   */
  idleVerifyMs?: number;
  /** Bound on that health round trip; on timeout the connection is closed and another used. Default `1000` ms. */
  verifyTimeoutMs?: number;
  /**
   * Idle connections beyond `min` close after this long. Default `60000` ms.
   * (undici `keepAliveTimeout`, gRPC `grpc.client_idle_timeout_ms`.)
   */
  idleTimeoutMs?: number;
  /**
   * A wall-clock gap this much longer than the pool's timer period (at most
   * one second) is taken for a process freeze (Lambda, Vercel): idle
   * connections are then discarded instead of trusted. Default `2000` ms.
   */
  freezeGapMs?: number;
  /** First reconnect delay ceiling; delays are full-jitter exponential. Default `100` ms. (gRPC `initial_backoff` 1 s.) */
  backoffBaseMs?: number;
  /** Largest reconnect delay ceiling. Default `5000` ms. (gRPC `max_backoff` 120 s.) */
  backoffMaxMs?: number;
}

/** Options of {@link createTcpTransport}. */
export interface TcpTransportOptions {
  /** Endpoint: `tcp://host:port` plain or `tcps://host:port` TLS. Port defaults to `50051`. Required. */
  url: string;
  /**
   * Opens sockets for this runtime. Required: `connectNodeSocket` (Node,
   * `syncvalue` picks it for you), `connectBunSocket`, `connectDenoSocket`, or
   * `createCloudflareSocketConnector(connect)` on Workers.
   */
  connect: SocketConnector;
  /** TLS settings for `tcps://` (custom CA, client certificate and key, server name). Default: runtime trust store. */
  tls?: SocketTlsOptions;
  /** Auth token sent in the handshake right after connect (1..4096 UTF-8 bytes). Default: no handshake. */
  authToken?: string;
  /** Connection pool settings. */
  pool?: TcpPoolOptions;
  /**
   * Largest frame accepted from the server; a larger announced length is a
   * protocol error and is never allocated. Also the largest request sent: a
   * request that encodes to more fails with `InvalidArgument` before any byte
   * is written (servers close the connection on frames above their own cap).
   * Default 16 MiB. (Connect `readMaxBytes` and `writeMaxBytes`.)
   */
  maxFrameBytes?: number;
  /** Bound on socket connect, TLS and auth handshake. Default `5000` ms. (undici `connectTimeout` 10 s.) */
  connectTimeoutMs?: number;
  /** TCP keep-alive probes start after this much idle time; `0` disables. Default `30000` ms. */
  keepAliveInitialDelayMs?: number;
  /** Deadline for calls that set none. Default: none. (Connect `defaultTimeoutMs`.) */
  defaultTimeoutMs?: number;
  /** Interceptors run around every call, like on Connect transports. Default: none. */
  interceptors?: Interceptor[];
  /**
   * How request fields are laid out. `"positional"` (default) sends the
   * fields as an array in declaration order, which serde servers (the storage
   * server, the prediction server, the reference server) accept as well as a
   * map: no field names on the wire, so a prediction request with five events
   * is 247 bytes instead of 630. `"named"` sends the contract's map of
   * snake_case field names to values; use it for a server that reads only maps.
   */
  requestFields?: "named" | "positional";
}

/** Options after validation and defaults. */
export interface ResolvedTcpTransportOptions {
  endpoint: TcpEndpoint;
  connect: SocketConnector;
  tls: SocketTlsOptions | undefined;
  authToken: string | undefined;
  pool: ConnectionPoolSettings;
  maxFrameBytes: number;
  connectTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  defaultTimeoutMs: number | undefined;
  interceptors: Interceptor[];
  requestFields: "named" | "positional";
}

/** Requests in flight per connection by default (see {@link TcpPoolOptions.pipelining}). */
const defaultPipelining = 8;

/** Largest auth token the handshake allows, in UTF-8 bytes. */
export const maxAuthTokenBytes = 4096;

/** Validates options and applies defaults; bad input raises `InvalidArgument` naming the option. */
export function resolveTcpTransportOptions(options: TcpTransportOptions): ResolvedTcpTransportOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConnectError("options: expected an object", Code.InvalidArgument);
  }
  const endpoint = parseTcpUrl(options.url, "url");
  if (typeof options.connect !== "function") {
    throw new ConnectError("connect: a socket connector is required (e.g. connectNodeSocket)", Code.InvalidArgument);
  }
  if (options.tls !== undefined) {
    if (!endpoint.secure) throw new ConnectError("tls: only applies to tcps:// URLs", Code.InvalidArgument);
    if (typeof options.tls !== "object" || options.tls === null) throw new ConnectError("tls: expected an object", Code.InvalidArgument);
    const t = options.tls;
    for (const key of ["cert", "key", "serverName"] as const) {
      if (t[key] !== undefined && typeof t[key] !== "string") throw new ConnectError(`tls.${key}: expected a string`, Code.InvalidArgument);
    }
    if (t.ca !== undefined && typeof t.ca !== "string" && !(Array.isArray(t.ca) && t.ca.every((c) => typeof c === "string"))) {
      throw new ConnectError("tls.ca: expected a PEM string or an array of them", Code.InvalidArgument);
    }
    if ((t.cert === undefined) !== (t.key === undefined)) {
      throw new ConnectError(`tls.${t.cert === undefined ? "cert" : "key"}: mutual TLS needs both cert and key`, Code.InvalidArgument);
    }
    if (t.rejectUnauthorized !== undefined && typeof t.rejectUnauthorized !== "boolean") {
      throw new ConnectError("tls.rejectUnauthorized: expected a boolean", Code.InvalidArgument);
    }
  }
  if (options.authToken !== undefined) {
    if (typeof options.authToken !== "string") throw new ConnectError("authToken: expected a string", Code.InvalidArgument);
    const bytes = new TextEncoder().encode(options.authToken).byteLength;
    if (bytes < 1 || bytes > maxAuthTokenBytes) {
      throw new ConnectError(`authToken: must be 1..${maxAuthTokenBytes} UTF-8 bytes (got ${bytes})`, Code.InvalidArgument);
    }
  }
  const p = options.pool ?? {};
  if (typeof p !== "object" || p === null) throw new ConnectError("pool: expected an object", Code.InvalidArgument);
  const pool: ConnectionPoolSettings = {
    min: int("pool.min", p.min, 1, 0),
    max: int("pool.max", p.max, 8, 1),
    maxQueue: int("pool.maxQueue", p.maxQueue, 1024, 0),
    pipelining: int("pool.pipelining", p.pipelining, defaultPipelining, 1),
    lateAnswerGraceMs: int("pool.lateAnswerGraceMs", p.lateAnswerGraceMs, 2000, 1),
    idleVerifyMs: int("pool.idleVerifyMs", p.idleVerifyMs, 15_000, 0),
    verifyTimeoutMs: int("pool.verifyTimeoutMs", p.verifyTimeoutMs, 1000, 1),
    idleTimeoutMs: int("pool.idleTimeoutMs", p.idleTimeoutMs, 60_000, 1),
    freezeGapMs: int("pool.freezeGapMs", p.freezeGapMs, 2000, 1),
    backoffBaseMs: int("pool.backoffBaseMs", p.backoffBaseMs, 100, 1),
    backoffMaxMs: int("pool.backoffMaxMs", p.backoffMaxMs, 5000, 1),
  };
  if (pool.min > pool.max) throw new ConnectError(`pool.min: ${pool.min} exceeds pool.max ${pool.max}`, Code.InvalidArgument);
  if (pool.backoffMaxMs < pool.backoffBaseMs) {
    throw new ConnectError(`pool.backoffMaxMs: ${pool.backoffMaxMs} is below pool.backoffBaseMs ${pool.backoffBaseMs}`, Code.InvalidArgument);
  }
  let defaultTimeoutMs: number | undefined;
  if (options.defaultTimeoutMs !== undefined) defaultTimeoutMs = int("defaultTimeoutMs", options.defaultTimeoutMs, 0, 1);
  if (options.interceptors !== undefined && !Array.isArray(options.interceptors)) {
    throw new ConnectError("interceptors: expected an array", Code.InvalidArgument);
  }
  const requestFields = options.requestFields ?? "positional";
  if (requestFields !== "named" && requestFields !== "positional") {
    throw new ConnectError(`requestFields: expected "named" or "positional", got ${JSON.stringify(requestFields)}`, Code.InvalidArgument);
  }
  return {
    endpoint,
    connect: options.connect,
    tls: endpoint.secure ? (options.tls ?? {}) : undefined,
    authToken: options.authToken,
    pool,
    maxFrameBytes: int("maxFrameBytes", options.maxFrameBytes, defaultMaxFrameBytes, 1, 0xffffffff),
    connectTimeoutMs: int("connectTimeoutMs", options.connectTimeoutMs, 5000, 1),
    keepAliveInitialDelayMs: int("keepAliveInitialDelayMs", options.keepAliveInitialDelayMs, 30_000, 0),
    defaultTimeoutMs,
    interceptors: options.interceptors ?? [],
    requestFields,
  };
}

function int(field: string, value: unknown, fallback: number, min: number, max = 2 ** 31 - 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConnectError(`${field}: expected an integer in ${min}..${max}, got ${String(value)}`, Code.InvalidArgument);
  }
  return value;
}
