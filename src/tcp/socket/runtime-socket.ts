/**
 * The one socket abstraction the TCP transport needs, small enough to adapt to
 * `node:net`/`node:tls`, `Bun.connect`, `Deno.connect` and Cloudflare's
 * `connect()` from `cloudflare:sockets`.
 */

/** TLS settings for `tcps://` endpoints. */
export interface SocketTlsOptions {
  /**
   * PEM certificate(s) of the authority that signed the server's certificate,
   * replacing the runtime's default trust store. Default: the runtime's store.
   */
  ca?: string | string[] | undefined;
  /** PEM client certificate chain for mutual TLS. Default: none. */
  cert?: string | undefined;
  /** PEM private key of `cert`. Default: none. */
  key?: string | undefined;
  /** Server name for SNI and certificate verification. Default: the URL's host (when it is not an IP address). */
  serverName?: string | undefined;
  /** Verify the server's certificate. Default: `true`. Turning it off is for tests only. */
  rejectUnauthorized?: boolean | undefined;
}

/** What a connector needs to open one socket. */
export interface SocketConnectOptions {
  /** Host name or IP address to connect to. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Present for `tcps://`. */
  readonly tls?: SocketTlsOptions | undefined;
  /** Disable Nagle's algorithm where the runtime allows it. */
  readonly noDelay: boolean;
  /** TCP keep-alive probes after this many idle milliseconds, where the runtime allows it; 0 disables. */
  readonly keepAliveInitialDelayMs: number;
  /** Aborted when the connect timeout passes or the pool closes: give up and release the socket. */
  readonly signal: AbortSignal;
}

/** Callbacks a socket delivers to its owner. */
export interface SocketEvents {
  /** Bytes arrived. The chunk belongs to the receiver (adapters never reuse it). */
  data(chunk: Uint8Array): void;
  /**
   * The socket closed: the peer ended or reset it, or an I/O error happened
   * (`error` set). Called at most once, only after the connector resolved.
   */
  close(error?: Error): void;
}

/** An open socket. */
export interface RuntimeSocket {
  /**
   * Queues bytes for sending. Returns `false` when the socket is already known
   * to be closed, in which case nothing was written. Later failures surface
   * through {@link SocketEvents.close}.
   */
  write(bytes: Uint8Array): boolean;
  /** Closes gracefully after queued bytes are sent. */
  end(): void;
  /** Closes at once, dropping queued bytes. */
  destroy(): void;
  /**
   * Lets the process exit while this socket is open (an idle pooled
   * connection must not keep a bidder alive), or stops letting it. Optional:
   * runtimes without the notion skip it.
   */
  setKeepsProcessAlive?(alive: boolean): void;
}

/**
 * Opens a socket (and completes TLS) to `options.host:options.port`.
 * Rejects when the connection cannot be established.
 */
export interface SocketConnector {
  /** Opens a socket (TLS when `options.tls` is set); `events` receive its data, end and errors. */
  (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket>;
  /**
   * True where sockets must not outlive the request that opened them
   * (Cloudflare Workers): the transport then opens a socket per call and never
   * pools. Default: `false`.
   */
  readonly perRequest?: boolean;
  /** Short runtime name for error messages, e.g. `"node"`. */
  readonly runtime?: string;
}
