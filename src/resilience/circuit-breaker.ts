/**
 * Replaces: a resilience library (cockatiel's circuit breaker, retry and timeout policies) with the breaker state
 * machine here and the layers in `src/layers/` (retry, hedging, fallback, circuit breaker).
 * Reason: every call of a live auction goes through them, on edge runtimes too, and they must keep each caller's own
 * deadline and signal, share a retry budget with hedging, and report to `metrics()` and `onEvent`. Not measured
 * against cockatiel: the cost of these layers is in BENCHMARKS.md, "Edge bundle" (row "edge with createClient"
 * against the prediction client's) and "Unary latency at concurrency 1" (the layers every call goes through).
 * Depends on: `@connectrpc/connect` 2.1.2 exactly (`Code`, the `Transport` interface of the layers).
 */
import { Code } from "@connectrpc/connect";
import type { CircuitState, ClientEvent, ServiceName } from "../metrics/client-event.js";

// Declared with the events and counters that report it, so metrics/ need not import resilience/.
export type { CircuitState } from "../metrics/client-event.js";

/**
 * Options of the per-endpoint circuit breaker (`createClient({ circuitBreaker })`).
 *
 * @public
 */
export interface CircuitBreakerOptions {
  /** Opens after this many failures in a row. Default 5. */
  consecutiveFailures?: number;
  /** Opens when at least this share (0..1) of the calls in the window failed. Default 0.5. */
  failureRate?: number;
  /** ...provided the window holds at least this many calls. Default 20. */
  minimumCalls?: number;
  /** Length of the rolling failure-rate window. Default 10,000 ms. */
  windowMs?: number;
  /** How long the breaker stays open before probing. Default 5,000 ms. */
  openMs?: number;
  /** Probe calls allowed at the same time while half-open. Default 1. */
  halfOpenProbes?: number;
  /**
   * Codes that count as a failure of the service. Other codes (a bad
   * argument, not found) prove the service is up and count as successes;
   * `Canceled` by the caller counts as nothing.
   * Default `[Unavailable, DeadlineExceeded, Internal, Unknown, ResourceExhausted, Aborted, DataLoss]`.
   */
  failureCodes?: Code[];
  /**
   * State to start from, as saved by `client.circuitBreakerState()`, so a
   * serverless function keeps a tripped breaker across cold starts.
   * Default: closed, no history.
   */
  initialState?: Partial<Record<ServiceName, CircuitBreakerSnapshot>>;
  /** Wall clock in epoch milliseconds (saved states compare across processes). Default `Date.now`. */
  now?: () => number;
}

/** Defaults of {@link CircuitBreakerOptions}. @public */
export const circuitBreakerDefaults = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  minimumCalls: 20,
  windowMs: 10_000,
  openMs: 5_000,
  halfOpenProbes: 1,
  failureCodes: [
    Code.Unavailable,
    Code.DeadlineExceeded,
    Code.Internal,
    Code.Unknown,
    Code.ResourceExhausted,
    Code.Aborted,
    Code.DataLoss,
  ] as readonly Code[],
} as const;

/**
 * A breaker's state as plain JSON (`JSON.stringify` it anywhere). Times are
 * epoch milliseconds.
 *
 * @public
 */
export interface CircuitBreakerSnapshot {
  /** `closed` (calls pass), `open` (calls refused) or `half-open` (probes pass). */
  state: CircuitState;
  /** When the breaker last opened; 0 if never. */
  openedAtMs: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
  /** The rolling window: `[bucketStartMs, successes, failures]`, oldest first. */
  window: Array<[number, number, number]>;
}

const BUCKETS = 10;

/**
 * A circuit breaker for one endpoint: consecutive failures and a failure rate
 * over a rolling window (ten buckets) open it; after `openMs` it lets
 * `halfOpenProbes` calls probe the service. Transitions happen on calls, not
 * timers, so an idle client holds no timer and a restored state resumes
 * exactly where it was.
 */
export class CircuitBreaker {
  private state: CircuitState = "closed";
  private openedAtMs = 0;
  private consecutive = 0;
  private window: Array<[number, number, number]> = [];
  private probes = 0;
  private readonly bucketMs: number;
  private readonly o: Required<Omit<CircuitBreakerOptions, "initialState" | "failureCodes" | "now">>;
  private readonly failureCodes: ReadonlySet<Code>;
  private readonly now: () => number;

  constructor(
    readonly service: ServiceName,
    options: CircuitBreakerOptions = {},
    private readonly emit: (event: ClientEvent) => void = () => {},
  ) {
    const d = circuitBreakerDefaults;
    this.o = {
      consecutiveFailures: options.consecutiveFailures ?? d.consecutiveFailures,
      failureRate: options.failureRate ?? d.failureRate,
      minimumCalls: options.minimumCalls ?? d.minimumCalls,
      windowMs: options.windowMs ?? d.windowMs,
      openMs: options.openMs ?? d.openMs,
      halfOpenProbes: options.halfOpenProbes ?? d.halfOpenProbes,
    };
    this.failureCodes = new Set(options.failureCodes ?? d.failureCodes);
    this.now = options.now ?? Date.now;
    this.bucketMs = Math.max(1, this.o.windowMs / BUCKETS);
    const saved = options.initialState?.[service];
    if (saved !== undefined) this.restore(saved);
  }

  /** The current state (an expired open period reads as `half-open`). */
  current(): CircuitState {
    if (this.state === "open" && this.now() - this.openedAtMs >= this.o.openMs) return "half-open";
    return this.state;
  }

  /**
   * Asks to send a call. `true`: send it, then report exactly one of
   * {@link onSuccess}, {@link onFailure} or {@link onIgnored}. `false`: the
   * breaker is open (or half-open with its probes busy): do not send.
   */
  tryAcquire(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (this.now() - this.openedAtMs < this.o.openMs) return false;
      this.state = "half-open";
      this.probes = 0;
      this.emit({ type: "half-open", service: this.service });
    }
    if (this.probes >= this.o.halfOpenProbes) return false;
    this.probes++;
    return true;
  }

  /** Reports the outcome of an acquired call by its error (or `undefined` for a response). */
  onOutcome(error: unknown, code: Code | undefined): void {
    if (error === undefined) return this.onSuccess();
    if (code === Code.Canceled) return this.onIgnored();
    if (code !== undefined && this.failureCodes.has(code)) return this.onFailure();
    this.onSuccess();
  }

  onSuccess(): void {
    if (this.state === "half-open") {
      this.probes = Math.max(0, this.probes - 1);
      this.state = "closed";
      this.consecutive = 0;
      this.window = [];
      this.emit({ type: "close", service: this.service });
      return;
    }
    this.consecutive = 0;
    this.count(1, 0);
  }

  onFailure(): void {
    if (this.state === "half-open") {
      this.probes = Math.max(0, this.probes - 1);
      this.trip("probe-failed");
      return;
    }
    if (this.state === "open") return; // a call sent before the breaker opened
    this.consecutive++;
    this.count(0, 1);
    if (this.consecutive >= this.o.consecutiveFailures) return this.trip("consecutive-failures");
    let calls = 0;
    let failures = 0;
    for (const [, ok, failed] of this.window) {
      calls += ok + failed;
      failures += failed;
    }
    if (calls >= this.o.minimumCalls && failures / calls >= this.o.failureRate) this.trip("failure-rate");
  }

  /** The call ended without saying anything about the service (canceled by its caller). */
  onIgnored(): void {
    if (this.state === "half-open") this.probes = Math.max(0, this.probes - 1);
  }

  /** The state as JSON, for {@link CircuitBreakerOptions.initialState}. */
  snapshot(): CircuitBreakerSnapshot {
    this.prune(this.now());
    return {
      state: this.state === "half-open" ? "open" : this.state, // probes in flight do not survive a restart
      openedAtMs: this.openedAtMs,
      consecutiveFailures: this.consecutive,
      window: this.window.map((b) => [b[0], b[1], b[2]]),
    };
  }

  private trip(reason: "consecutive-failures" | "failure-rate" | "probe-failed"): void {
    this.state = "open";
    this.openedAtMs = this.now();
    this.consecutive = 0;
    this.window = [];
    this.emit({ type: "break", service: this.service, reason });
  }

  private count(ok: number, failed: number): void {
    const now = this.now();
    this.prune(now);
    const start = now - (now % this.bucketMs);
    const last = this.window[this.window.length - 1];
    if (last !== undefined && last[0] === start) {
      last[1] += ok;
      last[2] += failed;
    } else {
      this.window.push([start, ok, failed]);
    }
  }

  private prune(now: number): void {
    const oldest = now - this.o.windowMs;
    let drop = 0;
    while (drop < this.window.length && this.window[drop]![0] + this.bucketMs <= oldest) drop++;
    if (drop > 0) this.window.splice(0, drop);
  }

  private restore(saved: CircuitBreakerSnapshot): void {
    if (saved === null || typeof saved !== "object") return;
    this.state = saved.state === "open" || saved.state === "half-open" ? "open" : "closed";
    this.openedAtMs = Number.isFinite(saved.openedAtMs) ? saved.openedAtMs : 0;
    this.consecutive = Number.isFinite(saved.consecutiveFailures) ? saved.consecutiveFailures : 0;
    this.window = Array.isArray(saved.window)
      ? saved.window.filter((b) => Array.isArray(b) && b.length === 3).map((b) => [b[0], b[1], b[2]])
      : [];
  }
}
