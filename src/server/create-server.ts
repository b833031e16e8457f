import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { routeCleartextConnection } from "./cleartext-connection-router.js";
import type { ConceptStore } from "./concept-store.js";
import type { LtvModel } from "./ltv-model.js";
import { createMemoryConceptStore } from "./memory-concept-store.js";
import {
  createModelHealthTracker,
  type ModelHealthTracker,
  type ModelHealthTrackerOptions,
} from "./model-health-tracker.js";
import { createPredictionService } from "./prediction-service.js";
import { createStorageService } from "./storage-service.js";
import {
  defaultHandshakeTimeoutMs,
  defaultIdleTimeoutMs,
  defaultMaxConcurrentStreams,
  defaultMaxRequestBytes,
} from "./connection-limits.js";
import { createDescriptorGuard } from "./descriptor-guard.js";
import { answerPipelinedRequestsInOrder } from "./http1-pipeline-queue.js";
import { gateHttpRequests } from "./http-request-gate.js";
import { logToStderr } from "./stderr-log.js";
import { checkServerOptions } from "./server-options-check.js";
import { createTcpServer, type TcpServer, type TcpServerOptions } from "./tcp-server.js";

/**
 * Options of {@link createServer}.
 *
 * @public
 */
export interface ServerOptions {
  /**
   * Interface to listen on. The default keeps the server private to this
   * machine; pass `"0.0.0.0"` or `"::"` to expose it.
   * @defaultValue "127.0.0.1"
   */
  host?: string;
  /**
   * Port to listen on; 0 lets the operating system pick a free port (read it
   * back from {@link ReferenceServer.port}).
   * @defaultValue 0
   */
  port?: number;
  /**
   * The prediction model.
   * @defaultValue the baseline RFM model, `predictBaselineLtv`
   */
  model?: LtvModel;
  /**
   * The concept store behind the storage service.
   * @defaultValue a new in-memory store, `createMemoryConceptStore()`
   */
  store?: ConceptStore;
  /**
   * Options of the health tracker behind `GetModelHealth`.
   * @defaultValue `{}` (see {@link ModelHealthTrackerOptions})
   */
  health?: ModelHealthTrackerOptions;
  /**
   * Most requests accepted in one `PredictLTVBatch`.
   * @defaultValue 1000, the client's own limit (`validationLimits.maxBatchSize`)
   */
  maxBatchSize?: number;
  /**
   * Also serve both services over the raw TCP binding (framed MessagePack,
   * sequential per connection like the storage server), on its own port.
   * `true` takes the defaults; an object sets `port` (default 0: any free
   * port), `host` (default: `host` above), `tls` and `maxFrameBytes`.
   * @defaultValue false
   */
  tcp?: boolean | Pick<TcpServerOptions, "host" | "port" | "tls" | "maxFrameBytes">;
  /**
   * Receives the server's rare operational messages, one line each, e.g.
   * file descriptors running out on either port (accepting stops, so new
   * clients get "connection refused", until some connections close) and back.
   * @defaultValue a line on stderr, prefixed `syncvalue: `
   */
  log?: (message: string) => void;
  /**
   * Require this token from clients: `authorization: Bearer <token>` on every
   * RPC (else `Unauthenticated`, answered from the headers before any of the
   * body is read), and the auth handshake on TCP connections (else the
   * connection is closed). Never logged.
   * @defaultValue no authentication
   */
  authToken?: string;
  /**
   * Largest HTTP request body, and largest single message of a streaming
   * call, in bytes. A larger `content-length` is refused before the body is
   * read (Connect: HTTP 413; gRPC and gRPC-web: `ResourceExhausted`); a body
   * without one is refused with `ResourceExhausted` once it passes the limit.
   * The TCP binding has its own `tcp.maxFrameBytes`.
   * @defaultValue 16777216 (16 MiB)
   */
  maxRequestBytes?: number;
  /**
   * Close a connection (either port) with nothing read or written for this
   * long; 0 never closes idle connections. An HTTP/1.1 connection between
   * requests is closed sooner, after Node's 5-second keep-alive timeout.
   * @defaultValue 300000 (5 minutes)
   */
  idleTimeoutMs?: number;
  /**
   * Close a connection (either port) that has not completed its handshake in
   * this time: the TLS handshake, the TCP auth handshake, and on the HTTP
   * port the first bytes of a request.
   * @defaultValue 10000 (10 s)
   */
  handshakeTimeoutMs?: number;
  /**
   * Serve `https://` instead of cleartext: HTTP/2 over TLS with ALPN `h2`,
   * and HTTP/1.1 (`http/1.1`) on the same port, with these PEM credentials.
   * `ca` with `requestCert: true` demands a client certificate signed by
   * `ca` (mutual TLS); connections without one fail the handshake. The TCP
   * binding has its own `tcp.tls`.
   * @defaultValue cleartext
   */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
}

/**
 * A running reference server.
 *
 * @public
 */
export interface ReferenceServer {
  /** Base URL for clients, `http://host:port` (`https://` with `tls`; IPv6 hosts in brackets). */
  readonly url: string;
  readonly host: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** Measures what `GetModelHealth` reports; another listener may count its connections here. */
  readonly health: ModelHealthTracker;
  /** The prediction service implementation, reusable by another binding. */
  readonly prediction: ServiceImpl<typeof SyncValueService>;
  /** The storage service implementation, reusable by another binding. */
  readonly storage: ServiceImpl<typeof StorageService>;
  /** The concept store in use. */
  readonly store: ConceptStore;
  /** `tcp://host:port` (or `tcps://`) of the TCP binding, when `tcp` is enabled. */
  readonly tcpUrl: string | undefined;
  /** RPCs handled so far over HTTP (every protocol) and TCP, failed calls included. */
  requestCount(): number;
  /**
   * Stops listening, aborts running calls, and destroys every open
   * connection and HTTP/2 session without waiting for clients to leave.
   * Resolves once the port is released. Calling it again is harmless.
   */
  close(): Promise<void>;
}

/**
 * Starts the reference server: `syncvalue.v1.SyncValueService` and
 * `sutra.storage.StorageService` on one cleartext port, over HTTP/2 (prior
 * knowledge) and HTTP/1.1, for the Connect, gRPC and gRPC-web protocols
 * (gRPC needs HTTP/2; bidirectional streaming too). Bad options throw
 * `ConnectError` `InvalidArgument` naming the option before anything listens.
 *
 * @example
 * ```ts
 * import { createServer } from "syncvalue/server";
 * const server = await createServer({ port: 8080 });
 * console.log(server.url); // http://127.0.0.1:8080
 * await server.close();
 * ```
 *
 * @public
 */
export async function createServer(options: ServerOptions = {}): Promise<ReferenceServer> {
  checkServerOptions(options);
  const host = options.host ?? "127.0.0.1";
  const health = createModelHealthTracker(options.health);
  const store = options.store ?? createMemoryConceptStore();
  const prediction = createPredictionService({
    model: options.model,
    health,
    maxBatchSize: options.maxBatchSize,
  });
  const storage = createStorageService(store);

  let requests = 0;
  const countRequests: Interceptor = (next) => (req) => {
    requests++;
    return next(req);
  };
  const maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes;
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? defaultHandshakeTimeoutMs;
  const interceptors: Interceptor[] = [countRequests];
  const rpcHandler = connectNodeAdapter({
    routes(router) {
      router.service(SyncValueService, prediction);
      router.service(StorageService, storage);
    },
    interceptors,
    // Counted as the body is read: a body without content-length stops here.
    readMaxBytes: maxRequestBytes,
    // Connect, gRPC and gRPC-web are all enabled by default. No `shutdownSignal`:
    // connect links every call to it with a listener that is only removed on
    // abort, which grows without bound on a long-running server; close()
    // destroys the connections instead, which aborts each call's own signal.
  });

  // The token and the announced size are checked before the body is read.
  // Pipelined HTTP/1.1 requests are answered one at a time, at the pace the client reads.
  const handler = gateHttpRequests(answerPipelinedRequestsInOrder(rpcHandler as Parameters<typeof gateHttpRequests>[0]), {
    authToken: options.authToken,
    maxRequestBytes,
  });
  // Each stream holds at most one answer message in memory (connect waits for
  // drain), so bounding the streams bounds what a client that never reads costs.
  const settings: http2.Settings = { maxConcurrentStreams: defaultMaxConcurrentStreams };

  // Neither of these listens: the listener below hands them sockets.
  const http2Server = http2.createServer({ settings }, handler);
  const http1Server = http.createServer(handler);
  if (idleTimeoutMs > 0) {
    http2Server.setTimeout(idleTimeoutMs);
    http1Server.setTimeout(idleTimeoutMs);
  }
  const sessions = new Set<http2.ServerHttp2Session>();
  const trackSession = (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  };
  http2Server.on("session", trackSession);
  // With TLS, ALPN picks the protocol (h2 or http/1.1) instead of the cleartext router.
  const t = options.tls;
  const secureServer = t
    ? http2.createSecureServer(
        {
          cert: t.cert,
          key: t.key,
          ca: t.ca,
          requestCert: t.requestCert === true,
          rejectUnauthorized: t.requestCert === true,
          allowHTTP1: true,
          settings,
          handshakeTimeout: handshakeTimeoutMs,
        },
        handler,
      )
    : undefined;
  if (idleTimeoutMs > 0) secureServer?.setTimeout(idleTimeoutMs);
  secureServer?.on("session", trackSession);
  // A failed handshake (wrong CA, no client certificate) is the client's problem, not a crash.
  secureServer?.on("tlsClientError", (_e, socket) => socket.destroy());

  const sockets = new Set<net.Socket>();
  // noDelay: small RPC frames must not wait for Nagle's algorithm (40 ms stalls with delayed ACKs).
  const listener = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    health.connectionOpened();
    socket.once("close", () => {
      sockets.delete(socket);
      health.connectionClosed();
    });
    // A reset from a client is its business; never crash the server for it.
    socket.on("error", () => socket.destroy());
    if (secureServer) {
      // The TLS server times the handshake (handshakeTimeout) and then idleness.
      secureServer.emit("connection", socket);
      return;
    }
    // Until the first bytes pick the protocol, the handshake timeout; then the
    // HTTP/2 or HTTP/1.1 server's own idle timeout takes over.
    socket.setTimeout(handshakeTimeoutMs, () => socket.destroy());
    routeCleartextConnection(socket, {
      http2: (s) => {
        s.setTimeout(0);
        http2Server.emit("connection", s);
      },
      http1: (s) => {
        s.setTimeout(0);
        http1Server.emit("connection", s);
      },
    });
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port ?? 0, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const port = (listener.address() as net.AddressInfo).port;
  const log = options.log ?? logToStderr;
  const guard = createDescriptorGuard({ server: listener, port, host, name: "HTTP", log });
  listener.on("connection", (socket: net.Socket) => {
    guard.opened();
    socket.once("close", () => guard.closed());
  });
  // Once listening, an error is never a reason to crash the server.
  listener.on("error", (e) => {
    if (!guard.listenerError(e)) log(`HTTP port: ${e instanceof Error ? e.message : String(e)}`);
  });

  let tcpServer: TcpServer | undefined;
  if (options.tcp) {
    const tcp = options.tcp === true ? {} : options.tcp;
    try {
      tcpServer = await createTcpServer({
        ...tcp,
        host: tcp.host ?? host,
        prediction: countCalls(prediction, () => requests++),
        storage: countCalls(storage, () => requests++),
        authToken: options.authToken,
        idleTimeoutMs,
        handshakeTimeoutMs,
        log,
        health,
      });
    } catch (e) {
      guard.stop();
      listener.close();
      throw e;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${secureServer ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    host,
    port,
    health,
    prediction,
    storage,
    store,
    tcpUrl: tcpServer?.url,
    requestCount: () => requests,
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => {
          if (guard.stop()) listener.close(() => resolve());
          else resolve();
          for (const session of sessions) session.destroy();
          for (const socket of sockets) socket.destroy();
        }),
        tcpServer?.close(),
      ]).then(() => undefined);
      return closing;
    },
  };
}

/** The same service with every method call counted (for the TCP binding, which has no interceptors). */
function countCalls<T extends object>(impl: T, count: () => void): T {
  const counted: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    counted[name] = typeof fn === "function" ? (...args: unknown[]) => (count(), fn.apply(impl, args)) : fn;
  }
  return counted as T;
}
