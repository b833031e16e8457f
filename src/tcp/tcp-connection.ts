import { Code, ConnectError } from "@connectrpc/connect";
import { getAbortSignalReason } from "@connectrpc/connect/protocol";
import { createAnswerHistory, type AnswerHistory } from "./answer-echo.js";
import { FrameDecoder } from "./frame-codec.js";
import { callSignalReason, type CallSignal } from "../call/call-signal.js";
import { TcpProtocolError, isTcpProtocolError } from "./protocol-error.js";
import type { RuntimeSocket, SocketConnector, SocketTlsOptions } from "./socket/runtime-socket.js";
import { setUnrefTimeout } from "./unref-timer.js";

/**
 * One TCP connection of the raw binding.
 *
 * State machine:
 *
 * ```
 *  connecting ──socket (and TLS) up──► handshaking ──server sent 1──► ready ◄─┐
 *      │        (no auth token: straight to ready)        │         │  └──────┘ requests in flight
 *      │                                                  │         └─drain()─► draining ──last answer──► closed
 *      └──────────── failure, timeout, refused ───────────┴──────────────────────────────────────────────► closed
 *  ready/draining ──peer close, I/O error, protocol error, late answer overdue, close()──► closed
 * ```
 *
 * - `ready`: requests may be sent while fewer than `pipelining` are in flight;
 *   answers are matched first-in first-out (the server has no request ids).
 * - `draining`: no new requests; closes once the in-flight ones are answered.
 * - `closed`: terminal. A connection whose stream is in doubt (an undecodable
 *   or unexpected frame, an answer that does not fit its request, an oversize
 *   frame, a peer reset, an abandoned request's answer overdue) goes here at
 *   once and is never reused; every other request in flight on it fails with
 *   `Unavailable` (or, if its frame had not gone out, is handed back to the
 *   pool as not written, to go elsewhere).
 *
 * Each request in flight is in one of these states:
 *
 * ```
 *  unsent ──end of the turn: one socket write──► written ──its answer──► answered
 *    │                                             │  └──error answer──► failed
 *    │                                             └──abandon()──► abandoned ──its answer, read and dropped──► gone
 *    └──abandon()──► dropped (nothing sent)                            └──not within lateAnswerGraceMs──► connection closed
 * ```
 *
 * An abandoned request (its deadline passed or its caller cancelled after its
 * frame went out) fails at once with its reason, but keeps its place in the
 * first-in first-out order: its answer, when it comes, is read, checked
 * against its request like any answer (a mismatch is a protocol error and
 * closes the connection) and dropped, so the stream stays in step and the
 * requests behind it get their own answers. If that answer has not come
 * `lateAnswerGraceMs` after the abandon, the stream is in doubt (the server
 * may never answer): the connection closes. While it holds an abandoned
 * request, the pool sends it nothing new (see `abandoned`), so no new call
 * waits behind an answer already known to be late.
 */
export type TcpConnectionState = "connecting" | "handshaking" | "ready" | "draining" | "closed";

/** Options to open one connection. */
export interface TcpConnectionOptions {
  host: string;
  port: number;
  /** For error messages, e.g. `tcp://127.0.0.1:50051`. */
  url: string;
  connect: SocketConnector;
  tls?: SocketTlsOptions | undefined;
  authToken?: string | undefined;
  maxFrameBytes: number;
  /** Bound on socket connect + TLS + auth handshake. */
  connectTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  /**
   * How long after a written request is abandoned its answer may still come
   * before the connection is closed as in doubt (see {@link TcpConnection}).
   */
  lateAnswerGraceMs: number;
  /** Aborts the attempt (pool closing). */
  signal?: AbortSignal | undefined;
}

/**
 * Decodes a response frame, given what the connection remembers of its
 * earlier answers; may throw a `ConnectError` (server error) or a
 * `TcpProtocolError` (poisons).
 */
export type FrameDecode<T> = (payload: Uint8Array, history: AnswerHistory) => T;

/** A request that could not be written because the connection was already closed: safe to send elsewhere. */
export class NotWrittenError extends ConnectError {
  /** Brand: `instanceof` cannot tell ConnectError subclasses apart (ConnectError overrides `Symbol.hasInstance`). */
  readonly notWritten = true;
  constructor(url: string) {
    super(`connection to ${url} closed before the request was written`, Code.Unavailable);
  }
}

/**
 * A request a connection carries: its frame, how to read its answer, and
 * where the outcome goes. The pool's own request record is one, so a call
 * costs no promise, closure or abort listener of the connection's.
 */
export interface ConnectionRequest {
  readonly frame: Uint8Array;
  readonly decode: FrameDecode<unknown>;
  /** The decoded answer. Called at most once, and never after `failed`. */
  answered(value: unknown): void;
  /** The request failed after its frame was written (error answer, lost connection, abandoned). Called at most once. */
  failed(error: unknown): void;
}

/**
 * The place of an abandoned request in a connection's first-in first-out
 * order: its caller has had its error, its answer is still to be read and
 * dropped. Overdue after the grace (a timer of its own: abandons are rare).
 */
class AbandonedRequest implements ConnectionRequest {
  readonly frame: Uint8Array;
  readonly decode: FrameDecode<unknown>;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly conn: TcpConnection,
    request: ConnectionRequest,
    graceMs: number,
  ) {
    this.frame = request.frame;
    this.decode = request.decode;
    this.timer = setUnrefTimeout(() => {
      this.timer = undefined;
      conn.lateAnswerOverdue(graceMs);
    }, graceMs);
  }

  /** Its late answer arrived and fitted the request: dropped. */
  answered(): void {
    this.settle(true);
  }

  /** An error answer (dropped like any other), or the connection closed. */
  failed(): void {
    this.settle(this.conn.state !== "closed");
  }

  private settle(arrived: boolean): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.conn.lateAnswerSettled(arrived);
  }
}

let nextConnectionId = 1;

export class TcpConnection {
  readonly id = nextConnectionId++;
  private stateValue: TcpConnectionState = "connecting";
  private socket: RuntimeSocket | undefined;
  private readonly decoder: FrameDecoder;
  private readonly inFlight: ConnectionRequest[] = [];
  /** Frames of the last requests in `inFlight`, not yet written: they go out together at the end of the turn. */
  private readonly unsent: Uint8Array[] = [];
  private closeError: ConnectError | undefined;
  private readonly history = createAnswerHistory();
  /** `performance.now()` of the last frame sent or received: idle time for verification and idle close. */
  lastActivity = performance.now();
  /** Set by the pool: the connection must pass a health round trip before the next request. */
  suspect = false;
  /** Abandoned requests still in flight (their answers not yet read). */
  private abandonedCount = 0;
  /**
   * Called when an abandoned request's late answer was read and dropped
   * (`arrived` true), or did not come within the grace (false: the
   * connection is closing); not when the connection closed for another reason.
   */
  onLateAnswer: ((arrived: boolean) => void) | undefined;
  /** Called once when the connection reaches `closed`; `error` unset for a deliberate close. */
  onClose: ((conn: TcpConnection, error: ConnectError | undefined) => void) | undefined;

  private constructor(private readonly options: TcpConnectionOptions) {
    this.decoder = new FrameDecoder(options.maxFrameBytes);
  }

  /**
   * Opens a connection and completes the optional auth handshake. Rejects
   * with `Unavailable` when the endpoint cannot be reached in time, and with
   * `Unauthenticated` when the server refuses the token.
   */
  static async open(options: TcpConnectionOptions): Promise<TcpConnection> {
    const conn = new TcpConnection(options);
    await conn.start();
    return conn;
  }

  get state(): TcpConnectionState {
    return this.stateValue;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.inFlight.length;
  }

  /**
   * Abandoned requests in flight, whose late answers are still to come. The
   * pool sends nothing new to a connection holding one.
   */
  get abandoned(): number {
    return this.abandonedCount;
  }

  /** Why the connection closed, if it closed on an error. */
  get error(): ConnectError | undefined {
    return this.closeError;
  }

  private async start(): Promise<void> {
    const { url, connectTimeoutMs } = this.options;
    const controller = new AbortController();
    const timer = setUnrefTimeout(
      () => controller.abort(new ConnectError(`connect to ${url} timed out after ${connectTimeoutMs} ms`, Code.Unavailable)),
      connectTimeoutMs,
    );
    const outer = this.options.signal;
    const onOuterAbort = () => controller.abort(new ConnectError(`connect to ${url} aborted: transport closed`, Code.Unavailable));
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener("abort", onOuterAbort, { once: true });
    try {
      let handshake: { resolve(): void; reject(e: ConnectError): void } | undefined;
      const handshakeDone = new Promise<void>((resolve, reject) => (handshake = { resolve, reject }));
      handshakeDone.catch(() => undefined);
      try {
        this.socket = await this.options.connect(
          {
            host: this.options.host,
            port: this.options.port,
            tls: this.options.tls,
            noDelay: true,
            keepAliveInitialDelayMs: this.options.keepAliveInitialDelayMs,
            signal: controller.signal,
          },
          {
            data: (chunk) => {
              if (this.stateValue === "handshaking") this.onHandshakeData(chunk, handshake!);
              else this.onData(chunk);
            },
            close: (error) => {
              if (this.stateValue === "handshaking") {
                // Under TLS 1.3 a server checks the client certificate after the client's
                // handshake is done, so a missing one arrives as a TLS alert while the token
                // is being sent: that is not a refused token.
                const tlsCode = (error as { code?: unknown } | undefined)?.code;
                handshake!.reject(
                  typeof tlsCode === "string" && tlsCode.startsWith("ERR_SSL_")
                    ? new ConnectError(`connection to ${url} failed during the TLS handshake: ${error!.message}`, Code.Unavailable)
                    : new ConnectError(
                        `${url} refused the auth token: the server closed the connection during the handshake`,
                        Code.Unauthenticated,
                      ),
                );
              }
              this.onSocketClose(error);
            },
          },
        );
      } catch (e) {
        throw connectFailure(url, controller.signal, e);
      }
      if (this.options.authToken !== undefined) {
        this.stateValue = "handshaking";
        const token = new TextEncoder().encode(this.options.authToken);
        const hello = new Uint8Array(4 + token.byteLength);
        new DataView(hello.buffer).setUint32(0, token.byteLength);
        hello.set(token, 4);
        this.socket.write(hello);
        const onAbort = () => handshake!.reject(ConnectError.from(getAbortSignalReason(controller.signal), Code.Unavailable));
        controller.signal.addEventListener("abort", onAbort, { once: true });
        try {
          await handshakeDone;
        } catch (e) {
          this.destroy(e as ConnectError);
          throw e;
        } finally {
          controller.signal.removeEventListener("abort", onAbort);
        }
      }
      if (this.stateValue !== "closed") this.stateValue = "ready";
      else throw this.closeError ?? new ConnectError(`connection to ${url} closed while opening`, Code.Unavailable);
      this.lastActivity = performance.now();
      // Idle: a pooled connection alone must not keep the process alive (like undici's idle sockets).
      this.socket.setKeepsProcessAlive?.(false);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    }
  }

  private onHandshakeData(chunk: Uint8Array, handshake: { resolve(): void; reject(e: ConnectError): void }): void {
    if (chunk.byteLength === 0) return;
    if (chunk[0] !== 1) {
      handshake.reject(new ConnectError(`${this.options.url} refused the auth token (answer byte ${chunk[0]})`, Code.Unauthenticated));
      return;
    }
    this.stateValue = "ready";
    handshake.resolve();
    if (chunk.byteLength > 1) this.onData(chunk.subarray(1));
  }

  /**
   * Sends a request's frame; its outcome goes to `request.answered` or
   * `request.failed`. The caller (the pool) guarantees fewer than
   * `pipelining` requests are in flight. Returns false, leaving the request
   * untouched, when the connection takes no requests (not ready).
   *
   * Frames are coalesced: the frames of one turn of the event loop (every
   * request sent before the microtask queue drains) go out in one socket
   * write. A request whose frame never went out (the connection closed
   * first, or the socket refused the write) fails with
   * {@link NotWrittenError}, so it may safely go to another connection.
   */
  write(request: ConnectionRequest): boolean {
    if (this.stateValue !== "ready" || !this.socket) return false;
    if (this.unsent.length === 0) queueMicrotask(this.flushWrites);
    this.unsent.push(request.frame);
    this.lastActivity = performance.now();
    if (this.inFlight.length === this.abandonedCount) this.socket.setKeepsProcessAlive?.(true);
    this.inFlight.push(request);
    return true;
  }

  /** Writes the turn's frames in one socket write. */
  private readonly flushWrites = (): void => {
    const frames = this.unsent;
    // Closed meanwhile: `destroy` failed those requests as not written.
    if (frames.length === 0 || this.stateValue === "closed" || !this.socket) return;
    if (!this.socket.write(frames.length === 1 ? frames[0]! : concatFrames(frames))) {
      this.destroy(new ConnectError(`connection to ${this.options.url} is no longer writable`, Code.Unavailable));
      return;
    }
    frames.length = 0;
  };

  /**
   * Gives up on a request (its deadline passed, or its caller cancelled): it
   * fails with `reason` at once. If its frame went out, it stays in flight as
   * an abandoned request whose answer will be read and dropped (see the state
   * machine above), so the requests behind it are unharmed; if not yet, the
   * frame is dropped unsent. A no-op for a request no longer in flight.
   */
  abandon(request: ConnectionRequest, reason: unknown): void {
    const i = this.inFlight.indexOf(request);
    if (i < 0) return;
    const written = this.inFlight.length - this.unsent.length;
    if (i >= written) {
      this.inFlight.splice(i, 1);
      this.unsent.splice(i - written, 1);
      request.failed(reason);
      if (this.inFlight.length === this.abandonedCount) this.settleIdle();
      return;
    }
    this.inFlight[i] = new AbandonedRequest(this, request, this.options.lateAnswerGraceMs);
    this.abandonedCount++;
    if (this.abandonedCount === this.inFlight.length) this.settleIdle();
    request.failed(reason);
  }

  /** An abandoned request's answer was read (`arrived`) or will never be (the connection closed). */
  lateAnswerSettled(arrived: boolean): void {
    this.abandonedCount--;
    if (arrived) this.onLateAnswer?.(true);
  }

  /** An abandoned request's answer did not come within the grace: nothing after it can be trusted. */
  lateAnswerOverdue(graceMs: number): void {
    if (this.stateValue === "closed") return;
    this.onLateAnswer?.(false);
    this.destroy(
      new ConnectError(
        `connection to ${this.options.url} closed: a request abandoned on it (deadline or cancel) was still unanswered ${graceMs} ms later, so the stream is in doubt; requests pipelined behind it may have been processed`,
        Code.Unavailable,
      ),
    );
  }

  /**
   * Sends one request frame and resolves with its decoded answer (the
   * promise form of {@link TcpConnection.write}, for health probes and
   * one-off connections). Rejects with {@link NotWrittenError} when nothing
   * was written.
   *
   * If `signal` aborts while the request is in flight, the request rejects
   * with the signal's reason and its answer is dropped when it comes (see
   * `abandon`).
   */
  send<T>(frame: Uint8Array, decode: FrameDecode<T>, signal?: CallSignal): Promise<T> {
    if (this.stateValue !== "ready" || !this.socket) return Promise.reject(new NotWrittenError(this.options.url));
    if (signal?.aborted) return Promise.reject(callSignalReason(signal));
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const request: ConnectionRequest = {
        frame,
        decode,
        answered: (value) => {
          if (onAbort) signal!.removeEventListener("abort", onAbort);
          resolve(value as T);
        },
        failed: (error) => {
          if (onAbort) signal!.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      if (!this.write(request)) {
        reject(new NotWrittenError(this.options.url));
        return;
      }
      if (signal) {
        onAbort = () => this.abandon(request, callSignalReason(signal));
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /** Stops taking requests and closes once the in-flight ones are answered (abandoned ones are not waited for). */
  drain(): void {
    if (this.stateValue === "closed") return;
    if (this.inFlight.length === this.abandonedCount) {
      this.destroy(undefined);
      return;
    }
    this.stateValue = "draining";
  }

  /**
   * Closes at once. Requests in flight fail with `error`, or with a generic
   * `Unavailable` when closing deliberately.
   */
  destroy(error: ConnectError | undefined): void {
    if (this.stateValue === "closed") return;
    this.stateValue = "closed";
    this.closeError = error;
    this.socket?.destroy();
    // Built only for calls to fail: Node loads its fetch implementation (undici,
    // tens of ms cold) for the first ConnectError's Headers, and an idle close has none.
    if (this.inFlight.length > 0) this.failInFlight(error ?? new ConnectError(`connection to ${this.options.url} closed`, Code.Unavailable));
    this.onClose?.(this, error);
  }

  private onData(chunk: Uint8Array): void {
    if (this.stateValue === "closed") return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.poison(e as ConnectError);
      return;
    }
    for (const frame of frames) {
      this.lastActivity = performance.now();
      const entry = this.inFlight.shift();
      if (!entry) {
        this.poison(new TcpProtocolError(`${this.options.url} sent a frame nobody asked for`));
        return;
      }
      let value: unknown;
      try {
        value = entry.decode(frame, this.history);
      } catch (e) {
        if (isTcpProtocolError(e)) {
          this.poison(e, entry);
          return;
        }
        entry.failed(e);
        continue;
      }
      // May write the next request to this connection at once (the pool pumps its queue).
      entry.answered(value);
      if ((this.stateValue as TcpConnectionState) === "closed") return;
    }
    if (this.inFlight.length === this.abandonedCount) this.settleIdle();
  }

  /**
   * Nothing in flight any more that a caller waits on: a draining connection
   * closes (late answers are not worth waiting for), a ready one stops holding
   * the process.
   */
  private settleIdle(): void {
    if (this.stateValue === "draining") this.destroy(undefined);
    else this.socket?.setKeepsProcessAlive?.(false);
  }

  /**
   * The stream is in doubt: close, failing the head request (whose answer
   * was the bad frame, or is the one being read) with `error` and the rest
   * with Unavailable. Closed before `head` hears of it, so the pool cannot
   * hand this connection another request from its `failed`.
   */
  private poison(error: ConnectError, head: ConnectionRequest | undefined = this.writtenHead()): void {
    this.destroy(
      new ConnectError(
        `connection to ${this.options.url} closed after a protocol error (${error.rawMessage}); the request may have been processed`,
        Code.Unavailable,
        undefined,
        undefined,
        error,
      ),
    );
    head?.failed(error);
  }

  private onSocketClose(error: Error | undefined): void {
    if (this.stateValue === "closed") return;
    const what = error ? `failed (${error.message})` : "was closed by the peer";
    this.destroy(
      new ConnectError(
        `connection to ${this.options.url} ${what} with ${this.inFlight.length} request(s) in flight; they may have been processed`,
        Code.Unavailable,
        undefined,
        undefined,
        error,
      ),
    );
  }

  /** Takes the oldest request whose frame went out, if any. */
  private writtenHead(): ConnectionRequest | undefined {
    return this.inFlight.length > this.unsent.length ? this.inFlight.shift() : undefined;
  }

  /** Fails every request in flight: with `error` if its frame went out, as not written if it had not yet. */
  private failInFlight(error: ConnectError): void {
    const entries = this.inFlight.splice(0);
    const unsentFrom = entries.length - this.unsent.length;
    this.unsent.length = 0;
    for (let i = 0; i < entries.length; i++) entries[i]!.failed(i < unsentFrom ? error : new NotWrittenError(this.options.url));
  }
}

function connectFailure(url: string, signal: AbortSignal, e: unknown): ConnectError {
  if (signal.aborted) return ConnectError.from(callSignalReason(signal), Code.Unavailable);
  if (e instanceof ConnectError) return e;
  const code = (e as { code?: unknown }).code;
  const detail = e instanceof Error ? e.message : String(e);
  return new ConnectError(
    `cannot connect to ${url}: ${detail}${typeof code === "string" && !detail.includes(code) ? ` (${code})` : ""}`,
    Code.Unavailable,
    undefined,
    undefined,
    e,
  );
}


/** True for a {@link NotWrittenError}: nothing of the request reached the socket. */
export function isNotWrittenError(e: unknown): e is NotWrittenError {
  return typeof e === "object" && e !== null && (e as { notWritten?: unknown }).notWritten === true;
}

/** The frames of one turn as one buffer, for one socket write. */
function concatFrames(frames: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += f.byteLength;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const f of frames) {
    out.set(f, pos);
    pos += f.byteLength;
  }
  return out;
}
