import { Code, ConnectError } from "@connectrpc/connect";
import { zeroPoolCounters } from "./pool-counters.js";
import { FreezeDetector } from "../call/freeze-detector.js";
import { callSignalReason, toAbortSignal, type CallSignal } from "../call/call-signal.js";
import { fullJitterBackoffMs } from "../call/backoff.js";
import { answerBounds } from "./msgpack-bounds.js";
import { decodeMsgpack } from "./msgpack-codec.js";
import { readTagged } from "./tagged-value.js";
import { NotWrittenError, TcpConnection, isNotWrittenError, type ConnectionRequest, type FrameDecode, type TcpConnectionOptions } from "./tcp-connection.js";
import { setUnrefTimeout } from "./unref-timer.js";

/** Resolved pool settings (see `TcpPoolOptions` in tcp-transport-options.ts for defaults and meaning). */
export interface ConnectionPoolSettings {
  min: number;
  max: number;
  maxQueue: number;
  pipelining: number;
  lateAnswerGraceMs: number;
  idleVerifyMs: number;
  verifyTimeoutMs: number;
  idleTimeoutMs: number;
  freezeGapMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** A point-in-time view of a pool, for metrics. */
export interface ConnectionPoolStats {
  /** Connections open (ready or draining). */
  open: number;
  /** Connection attempts under way. */
  connecting: number;
  /** Open connections with at least one request in flight. */
  busy: number;
  /** Open connections with nothing in flight. */
  idle: number;
  /** Requests waiting for a connection. */
  queued: number;
  /** Requests written and not yet answered, over all connections. */
  inFlight: number;
  /** Connections opened successfully since the pool was created. */
  connects: number;
  /** Connections opened after one had been lost (peer close, I/O error, doubt). */
  reconnects: number;
  /** Connection attempts that failed (refused, timed out, TLS or auth failure). */
  connectFailures: number;
  /** Connections closed because their stream was in doubt or the peer closed or reset them. */
  lost: number;
  /** Connections closed after idling beyond `idleTimeoutMs` (above `min`). */
  idleClosed: number;
  /** Health round trips made on idle connections before reuse. */
  verifications: number;
  /** Verifications that failed or timed out (the connection was then closed). */
  verifyFailures: number;
  /** Wall-clock gaps taken for a freeze and thaw (every idle connection was discarded). */
  thaws: number;
  /** Requests moved to another connection because nothing of them had been written. */
  redispatched: number;
  /**
   * Late answers of abandoned requests (deadline passed or cancelled after
   * their frame went out) read and dropped, the connection kept in step.
   */
  lateAnswers: number;
  /**
   * Connections closed because an abandoned request's answer did not come
   * within `lateAnswerGraceMs` (also counted in `lost`).
   */
  lateAnswersOverdue: number;
  /** True while the endpoint is considered down and requests fail fast. */
  down: boolean;
}

/** States of a request inside the pool. */
type PendingState = "queued" | "verifying" | "sent" | "done";

/**
 * A request inside the pool, from `request()` to its outcome. Written to a
 * connection, it is that connection's in-flight entry too (a
 * {@link ConnectionRequest}): the answer goes straight to the caller's
 * promise, with one abort listener for the whole call.
 */
class Pending implements ConnectionRequest {
  state: PendingState = "queued";
  onAbort: (() => void) | undefined = undefined;
  redispatches = 0;
  /** The connection it was written to, while `sent`. */
  conn: TcpConnection | undefined = undefined;

  constructor(
    private readonly pool: ConnectionPool,
    readonly frame: Uint8Array,
    readonly decode: FrameDecode<unknown>,
    readonly signal: CallSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  answered(value: unknown): void {
    this.pool.settleAnswered(this, value);
  }

  failed(error: unknown): void {
    this.pool.settleFailed(this, error);
  }
}

const maxRedispatches = 8;

/**
 * The warm connection pool of one endpoint.
 *
 * - `min` connections are opened by {@link ConnectionPool.warmup} (or the first
 *   request) and kept: lost ones are replaced in the background.
 * - Up to `max` connections are opened on demand; when all are busy, requests
 *   wait in a bounded queue (`maxQueue`, then `ResourceExhausted`).
 * - A request goes to the least-loaded ready connection (among idle ones, the
 *   most recently used, so surplus connections go idle and are closed after
 *   `idleTimeoutMs`); with `pipelining > 1` (the default is 8) up to that
 *   many share one.
 * - A request abandoned after its frame went out (deadline, cancel) stays on
 *   its connection until its late answer is read and dropped, or the
 *   connection closes after `lateAnswerGraceMs` (see `TcpConnection`). Such a
 *   connection gets no new request meanwhile; at `max` with requests waiting,
 *   one holding nothing but abandoned requests is closed to make room.
 * - A connection idle longer than `idleVerifyMs` (or marked suspect) first
 *   answers a `"HealthCheck"` round trip bounded by `verifyTimeoutMs`; if it
 *   fails, the connection is closed and the request, not yet written, goes
 *   to another one.
 * - Freeze and thaw: the housekeeping timer ticks at least every second while
 *   connections are open. A wall-clock gap larger than the tick plus
 *   `freezeGapMs` means the process was frozen (Lambda, Vercel); every idle
 *   connection is then discarded unverified (a NAT may have dropped it and a
 *   probe could hang), and the request opens a fresh one.
 * - Connect failures back off exponentially with full jitter. While backing
 *   off with no usable connection, the endpoint is down: queued and new
 *   requests fail fast with `Unavailable` (or `Unauthenticated` for a refused
 *   token) instead of waiting.
 * - A request is only ever moved to another connection when none of its
 *   bytes were written; once written it is never sent again.
 */
export class ConnectionPool {
  private readonly conns: TcpConnection[] = [];
  private readonly queue: Pending[] = [];
  private readonly verifying = new Set<TcpConnection>();
  private readonly closeController = new AbortController();
  /** Connects in progress, each with its own abort (see `open`). */
  private readonly opening = new Set<AbortController>();
  private connecting = 0;
  private started = false;
  private closed = false;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastError: ConnectError | undefined;
  private housekeepingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly freeze: FreezeDetector;
  private hadLoss = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly tickMs: number;
  private readonly counters = zeroPoolCounters();

  /**
   * @param connection - how to open one connection
   * @param settings - pool sizes and timers
   * @param probeFrame - the health round trip sent to verify idle connections
   * @param perRequest - open a socket per request and never pool (Cloudflare Workers)
   */
  constructor(
    private readonly connection: Omit<TcpConnectionOptions, "signal">,
    private readonly settings: ConnectionPoolSettings,
    private readonly probeFrame: Uint8Array,
    private readonly perRequest = false,
  ) {
    this.tickMs = Math.max(10, Math.min(1000, Math.floor(settings.idleTimeoutMs / 2)));
    this.freeze = new FreezeDetector(this.tickMs + settings.freezeGapMs);
  }

  /**
   * Sends a request frame on a pooled connection and resolves with its
   * decoded answer. Rejects with the signal's reason when it aborts.
   */
  request<T>(frame: Uint8Array, decode: FrameDecode<T>, signal?: CallSignal): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectError(`transport to ${this.connection.url} is closed`, Code.Unavailable));
    if (signal?.aborted) return Promise.reject(callSignalReason(signal));
    if (this.perRequest) return this.requestOnOwnConnection(frame, decode, signal);
    this.checkThaw();
    this.started = true;
    const fastFail = this.downError();
    if (fastFail) return Promise.reject(fastFail);
    return new Promise<T>((resolve, reject) => {
      const p = new Pending(this, frame, decode, signal, resolve as (v: unknown) => void, reject);
      if (signal) {
        p.onAbort = () => this.abort(p, callSignalReason(signal));
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.pump();
      // Requests that connections being opened will take are not "waiting".
      const waiting = this.queue.length - this.connecting * this.settings.pipelining;
      if (p.state === "queued" && waiting > this.settings.maxQueue) {
        this.queue.splice(this.queue.indexOf(p), 1);
        this.finish(p);
        reject(
          new ConnectError(
            `${this.connection.url}: request queue is full (${this.settings.maxQueue} waiting for ${this.settings.max} connections)`,
            Code.ResourceExhausted,
          ),
        );
      }
    });
  }

  /** Opens connections up to `min` and resolves once they are ready; rejects if one cannot be opened. */
  async warmup(): Promise<void> {
    if (this.closed) throw new ConnectError(`transport to ${this.connection.url} is closed`, Code.Unavailable);
    if (this.perRequest) return;
    this.started = true;
    const missing = this.settings.min - this.conns.length - this.connecting;
    const opening: Promise<void>[] = [];
    for (let i = 0; i < missing; i++) opening.push(this.open());
    await Promise.all(opening);
  }

  /**
   * Closes the pool: queued requests fail with `Unavailable`, idle
   * connections close at once, busy ones after their in-flight answers.
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.closeController.abort();
      for (const c of this.opening) c.abort();
      clearTimeout(this.retryTimer);
      clearTimeout(this.housekeepingTimer);
      this.housekeepingTimer = undefined;
      // Only for queued calls: an idle close builds no ConnectError (see TcpConnection.destroy).
      const queued = this.queue.splice(0);
      if (queued.length > 0) {
        const err = new ConnectError(`transport to ${this.connection.url} is closed`, Code.Unavailable);
        for (const p of queued) {
          this.finish(p);
          p.reject(err);
        }
      }
    }
    const waits = this.conns.map(
      (conn) =>
        new Promise<void>((resolve) => {
          const prev = conn.onClose;
          conn.onClose = (c, e) => {
            prev?.(c, e);
            resolve();
          };
          conn.drain();
        }),
    );
    return Promise.all(waits).then(() => undefined);
  }

  stats(): ConnectionPoolStats {
    let busy = 0;
    let inFlight = 0;
    for (const c of this.conns) {
      if (c.pending > 0) busy++;
      inFlight += c.pending;
    }
    return {
      open: this.conns.length,
      connecting: this.connecting,
      busy,
      idle: this.conns.length - busy,
      queued: this.queue.length,
      inFlight,
      ...this.counters,
      down: this.downError() !== undefined,
    };
  }

  /** The fail-fast error while the endpoint is down and nothing can serve a request. */
  private downError(): ConnectError | undefined {
    if (this.retryAt === 0 || performance.now() >= this.retryAt || !this.lastError) return undefined;
    if (this.conns.some((c) => c.state === "ready")) return undefined;
    const inMs = Math.max(0, Math.round(this.retryAt - performance.now()));
    return new ConnectError(
      `${this.connection.url} is unavailable (${this.lastError.rawMessage}); next connect attempt in ${inMs} ms`,
      this.lastError.code,
      undefined,
      undefined,
      this.lastError,
    );
  }

  /** Hands queued requests to connections, then opens more if some still wait. */
  private pump(): void {
    // Outcomes arrive synchronously (a refused write, a connection failing its requests):
    // a pump inside a pump only asks for another pass.
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.queue.length > 0) {
          const conn = this.pick();
          if (!conn) break;
          const p = this.queue.shift()!;
          this.dispatch(conn, p);
        }
        this.grow();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The caller's signal aborted: a waiting request leaves the queue, a
   * written one is abandoned (its connection reads and drops its answer).
   */
  private abort(p: Pending, reason: unknown): void {
    if (p.state === "queued" || p.state === "verifying") {
      const i = this.queue.indexOf(p);
      if (i >= 0) this.queue.splice(i, 1);
      this.finish(p);
      p.reject(reason);
    } else if (p.state === "sent") {
      p.conn?.abandon(p, reason);
    }
  }

  /** A written request's answer (called by its connection). */
  settleAnswered(p: Pending, value: unknown): void {
    this.finish(p);
    p.resolve(value);
    this.pump();
  }

  /** A request on a connection failed (called by its connection). */
  settleFailed(p: Pending, error: unknown): void {
    if (isNotWrittenError(error)) {
      this.notWritten(p);
      return;
    }
    this.finish(p);
    p.reject(error);
    this.pump();
  }

  /**
   * Least-loaded ready connection with room; among idle ones, the most
   * recently used. Not one holding an abandoned request: its answer is known
   * to be late, and a new request would wait behind it.
   */
  private pick(): TcpConnection | undefined {
    let best: TcpConnection | undefined;
    for (const c of this.conns) {
      if (c.state !== "ready" || this.verifying.has(c) || c.pending >= this.settings.pipelining || c.abandoned > 0) continue;
      if (!best || c.pending < best.pending || (c.pending === best.pending && c.lastActivity > best.lastActivity)) best = c;
    }
    return best;
  }

  private dispatch(conn: TcpConnection, p: Pending): void {
    const idleFor = performance.now() - conn.lastActivity;
    if (conn.pending === 0 && (conn.suspect || idleFor > this.settings.idleVerifyMs)) {
      this.verify(conn, p);
      return;
    }
    this.send(conn, p);
  }

  private send(conn: TcpConnection, p: Pending): void {
    p.state = "sent";
    p.conn = conn;
    if (!conn.write(p)) this.notWritten(p);
  }

  /** Nothing of `p` went out: it may go to another connection (a bounded number of times). */
  private notWritten(p: Pending): void {
    p.conn = undefined;
    if (!p.signal?.aborted && p.redispatches < maxRedispatches && !this.closed) {
      // Nothing went out: safe to try another connection.
      p.redispatches++;
      this.counters.redispatched++;
      p.state = "queued";
      this.queue.unshift(p);
    } else {
      this.finish(p);
      p.reject(new NotWrittenError(this.connection.url));
    }
    this.pump();
  }

  /** Health round trip on an idle or suspect connection before `p` uses it. */
  private verify(conn: TcpConnection, p: Pending): void {
    p.state = "verifying";
    this.verifying.add(conn);
    this.counters.verifications++;
    const controller = new AbortController();
    const timer = setUnrefTimeout(
      () =>
        controller.abort(
          new ConnectError(`${this.connection.url}: idle connection did not answer a health check in ${this.settings.verifyTimeoutMs} ms`, Code.Unavailable),
        ),
      this.settings.verifyTimeoutMs,
    );
    const probeDecode = (payload: Uint8Array) => readTagged(decodeMsgpack(payload, answerBounds));
    conn.send(this.probeFrame.slice(), probeDecode, controller.signal).then(
      () => {
        clearTimeout(timer);
        this.verifying.delete(conn);
        conn.suspect = false;
        if (p.state !== "verifying") {
          this.pump(); // aborted meanwhile
          return;
        }
        if (conn.state === "ready") this.send(conn, p);
        else this.requeue(p);
      },
      () => {
        clearTimeout(timer);
        this.verifying.delete(conn);
        this.counters.verifyFailures++;
        conn.destroy(new ConnectError(`${this.connection.url}: idle connection failed its health check`, Code.Unavailable));
        if (p.state === "verifying") this.requeue(p);
        else this.pump();
      },
    );
  }

  private requeue(p: Pending): void {
    p.state = "queued";
    this.counters.redispatched++;
    this.queue.unshift(p);
    this.pump();
  }

  private finish(p: Pending): void {
    p.state = "done";
    p.conn = undefined;
    if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
  }

  /** Opens connections for waiting requests (up to `max`) and to keep `min`, unless backing off. */
  private grow(): void {
    if (this.closed) return;
    if (this.retryAt !== 0 && performance.now() < this.retryAt) {
      this.scheduleRetry();
      return;
    }
    const waiting = this.queue.length - this.connecting;
    const keep = this.started ? this.settings.min : 0;
    let total = this.conns.length + this.connecting;
    let need = Math.max(waiting, keep - total);
    while (need > 0 && total < this.settings.max) {
      this.open().catch(() => undefined);
      total++;
      need--;
    }
    if (need > 0 && this.queue.length > 0) this.retireAbandoned(need);
  }

  /**
   * At `max` with calls waiting: closes connections that hold nothing but
   * abandoned requests (no caller waits on their answers, so closing them
   * fails nobody), making room for fresh ones. Without this, a pool of one
   * would hold every new call until a late answer came or its grace ran out.
   */
  private retireAbandoned(need: number): void {
    for (const c of [...this.conns]) {
      if (need === 0) return;
      if (c.state === "ready" && c.abandoned > 0 && c.pending === c.abandoned && !this.verifying.has(c)) {
        need--;
        c.destroy(undefined);
      }
    }
  }

  private open(): Promise<void> {
    this.connecting++;
    // One controller per connect, aborted by close(): connects sharing the close
    // signal would stack a listener each on it (Node warns of a leak past 10).
    const opening = new AbortController();
    this.opening.add(opening);
    return TcpConnection.open({ ...this.connection, signal: opening.signal }).finally(() => this.opening.delete(opening)).then(
      (conn) => {
        this.connecting--;
        if (this.closed) {
          conn.destroy(undefined);
          return;
        }
        this.failures = 0;
        this.retryAt = 0;
        this.counters.connects++;
        if (this.hadLoss) this.counters.reconnects++;
        conn.onClose = (c, error) => this.onConnectionClose(c, error);
        conn.onLateAnswer = this.onLateAnswer;
        this.conns.push(conn);
        this.startHousekeeping();
        this.pump();
      },
      (err: unknown) => {
        this.connecting--;
        const error = ConnectError.from(err, Code.Unavailable);
        if (this.closed) throw error;
        this.counters.connectFailures++;
        this.lastError = error;
        this.retryAt = performance.now() + fullJitterBackoffMs(this.failures++, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
        // Fail fast: nothing can serve the queue until the next attempt.
        if (this.connecting === 0 && !this.conns.some((c) => c.state === "ready")) {
          const fail = this.downError() ?? error;
          for (const p of this.queue.splice(0)) {
            this.finish(p);
            p.reject(fail);
          }
        }
        this.scheduleRetry();
        throw error;
      },
    );
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    if (!(this.started && this.settings.min > 0) && this.queue.length === 0) return;
    const delay = Math.max(0, this.retryAt - performance.now());
    this.retryTimer = setUnrefTimeout(() => {
      this.retryTimer = undefined;
      this.grow();
    }, delay);
  }

  private readonly onLateAnswer = (arrived: boolean): void => {
    if (arrived) {
      this.counters.lateAnswers++;
      // The connection takes requests again.
      if (!this.closed && this.queue.length > 0) this.pump();
    } else this.counters.lateAnswersOverdue++;
  };

  private onConnectionClose(conn: TcpConnection, error: ConnectError | undefined): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    this.verifying.delete(conn);
    if (error) {
      this.counters.lost++;
      this.hadLoss = true;
    }
    if (!this.closed) this.pump();
  }

  private startHousekeeping(): void {
    if (this.housekeepingTimer !== undefined || this.closed) return;
    this.freeze.reset();
    const tick = () => {
      // Checked while the timer still counts as running: after a thaw this
      // overdue tick is usually what sees the gap, and must act on it.
      if (!this.closed) this.checkThaw();
      this.housekeepingTimer = undefined;
      if (this.closed) return;
      this.closeIdle();
      if (this.conns.length > 0 || this.connecting > 0) this.housekeepingTimer = setUnrefTimeout(tick, this.tickMs);
    };
    this.housekeepingTimer = setUnrefTimeout(tick, this.tickMs);
  }

  /** Closes idle connections beyond `min` that idled longer than `idleTimeoutMs`, oldest first. */
  private closeIdle(): void {
    const now = performance.now();
    const idle = this.conns
      .filter((c) => c.state === "ready" && c.pending === 0 && !this.verifying.has(c) && now - c.lastActivity > this.settings.idleTimeoutMs)
      .sort((a, b) => a.lastActivity - b.lastActivity);
    for (const c of idle) {
      if (this.conns.length <= this.settings.min) break;
      this.counters.idleClosed++;
      c.destroy(undefined);
    }
  }

  /**
   * Detects a freeze: timers cannot have been silent that long while the
   * process ran. Idle connections are discarded, busy ones become suspect.
   */
  private checkThaw(): void {
    // Without the housekeeping timer running, long gaps between uses are expected.
    if (!this.freeze.check() || this.housekeepingTimer === undefined) return;
    this.counters.thaws++;
    for (const c of [...this.conns]) {
      if (c.pending === 0 && !this.verifying.has(c)) c.destroy(undefined);
      else c.suspect = true;
    }
  }

  /** Cloudflare Workers: one socket per request, closed after its answer. */
  private async requestOnOwnConnection<T>(frame: Uint8Array, decode: FrameDecode<T>, signal?: CallSignal): Promise<T> {
    const fastFail = this.downError();
    if (fastFail) throw fastFail;
    let conn: TcpConnection;
    try {
      conn = await TcpConnection.open({ ...this.connection, signal: signal ? toAbortSignal(signal) : this.closeController.signal });
    } catch (err) {
      const error = ConnectError.from(err, Code.Unavailable);
      if (signal?.aborted) throw callSignalReason(signal);
      this.counters.connectFailures++;
      this.lastError = error;
      this.retryAt = performance.now() + fullJitterBackoffMs(this.failures++, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
      throw error;
    }
    this.failures = 0;
    this.retryAt = 0;
    this.counters.connects++;
    try {
      return await conn.send(frame, decode, signal);
    } finally {
      conn.destroy(undefined);
    }
  }
}
