import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import type { ResponseBudget } from "./response-budget.js";
import type { SocketTlsOptions } from "../tcp/socket/runtime-socket.js";
import type { ResolvedHttpEndpoint, ResolvedTcpEndpoint } from "./resolved-endpoint.js";

/** A transport that owns connections and can release them. */
export interface ManagedTransport extends Transport {
  /** Opens connections ahead of the first call, where the transport pools them. */
  warmup?(): Promise<void>;
  /** Ends every connection and timer. Idempotent. */
  close(): Promise<void>;
  /**
   * Present while the transport's code may still be loading (see
   * `createLazyTransport`): settles when it can send. The client holds calls
   * until then, above their deadlines.
   */
  readonly ready?: Promise<void>;
}

/** What every transport of a client shares. */
export interface TransportContext {
  /** The user's interceptors (validation has already run). */
  readonly interceptors: Interceptor[];
  /** `auth.token`: each transport sends it its own way (header, TCP handshake). */
  readonly authToken: string | undefined;
  /** Response bytes held for calls in flight, shared by the client's HTTP transports (`maxResponseBytesInFlight`). */
  readonly responseBudget: ResponseBudget;
}

/**
 * What a runtime contributes to `createClient`: the transports it can build.
 * Each package entry (Node, edge/fetch) binds its own platform, so the edge
 * core never loads `node:` modules.
 */
export interface RuntimePlatform {
  /** The protocol for `http(s)://` endpoints that do not name one. */
  readonly defaultProtocol: "grpc" | "connect";
  createHttpTransport(endpoint: ResolvedHttpEndpoint, context: TransportContext): ManagedTransport;
  /**
   * Builds a service's client on its (layered) transport: Connect's
   * `createClient` where streams run, a lean equivalent on fetch-only
   * runtimes, which refuse streams (see `createFetchServiceClient`).
   */
  createServiceClient<T extends DescService>(service: T, transport: Transport): Client<T>;
  /**
   * True where sockets outlive a request and can be pooled (Node, Bun, Deno):
   * an endpoint with both a TCP and an HTTP URL then uses TCP. Default false.
   */
  readonly poolsSockets?: boolean;
  /**
   * Checks (and copies) an `https://` endpoint's `tls` option, naming `field`.
   * Absent where HTTP runs over fetch, which has no per-request TLS settings:
   * an endpoint with `tls` is then refused (`InvalidArgument`), and edge
   * bundles do not carry the checks.
   */
  checkTls?(tls: SocketTlsOptions, field: string): SocketTlsOptions;
  /** Why a `tcp://` endpoint is refused without `createTcpTransport`, when it is not the lack of sockets. */
  readonly tcpRefusal?: string;
  /** Absent where the runtime has no sockets: `tcp://` endpoints are then refused. */
  createTcpTransport?(endpoint: ResolvedTcpEndpoint, context: TransportContext): ManagedTransport;
}
