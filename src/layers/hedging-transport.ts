import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { callNotesOf } from "../metrics/call-notes.js";
import { LatencyHistogram } from "../metrics/latency-histogram.js";
import { waitAsCaller } from "../call/caller-wait.js";
import { linkedAbort } from "../call/linked-abort.js";
import type { RetryBudget } from "../resilience/retry-budget.js";

/**
 * Options of hedged `predictLTV` calls (`createClient({ hedging })`): when
 * the first attempt has not answered after a delay, a second identical one
 * is sent; the first answer wins and the other attempt is cancelled. It cuts
 * tail latency at the cost of some extra load, so it is off by default.
 *
 * @public
 */
export interface HedgingOptions {
  /**
   * When to send the hedge: a number of milliseconds, or `"p95"` for the
   * observed 95th percentile of `predictLTV` attempts (tracks the service as
   * it speeds up or slows down). Default `"p95"`.
   */
  delayMs?: number | "p95";
  /** The delay before enough attempts were observed for `"p95"`. Default 10 ms. */
  initialDelayMs?: number;
  /** Floor of the `"p95"` delay, so a very fast service is not hedged on noise. Default 1 ms. */
  minDelayMs?: number;
  /** Observed attempts needed before `"p95"` is used. Default 20. */
  minSamples?: number;
}

/** Defaults of {@link HedgingOptions}. @public */
export const hedgingDefaults = { delayMs: "p95", initialDelayMs: 10, minDelayMs: 1, minSamples: 20 } as const;

// Latencies are observed in windows of this many attempts, so "p95" follows
// the service instead of averaging over its whole life.
const WINDOW = 2_000;

/**
 * Hedges `predictLTV`: one extra attempt after the hedging delay, only while
 * the retry budget allows extra load and enough deadline is left; the loser
 * is aborted. The caller gets `DeadlineExceeded` or `Canceled` at its own
 * deadline or abort whatever its attempts do, and both are then aborted.
 * Every other method passes through.
 */
export function createHedgingTransport(
  next: Transport,
  options: HedgingOptions,
  budget: RetryBudget,
  metrics: ClientMetrics,
  now: () => number,
): Transport {
  const fixedDelay = typeof options.delayMs === "number" ? options.delayMs : undefined;
  const initialDelayMs = options.initialDelayMs ?? hedgingDefaults.initialDelayMs;
  const minDelayMs = options.minDelayMs ?? hedgingDefaults.minDelayMs;
  const minSamples = options.minSamples ?? hedgingDefaults.minSamples;
  let current = new LatencyHistogram();
  let previousP95: number | undefined;

  const hedgeDelay = (): number => {
    if (fixedDelay !== undefined) return fixedDelay;
    if (current.count >= minSamples) return Math.max(minDelayMs, current.quantileMs(0.95));
    return previousP95 ?? initialDelayMs;
  };
  const observe = (ms: number) => {
    current.recordMs(ms);
    if (current.count >= WINDOW) {
      previousP95 = Math.max(minDelayMs, current.quantileMs(0.95));
      current = new LatencyHistogram();
    }
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if ((method as DescMethod) !== SyncValueService.method.predictLTV) {
        return next.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      const started = now();
      const delayMs = hedgeDelay();
      const attempts = [linkedAbort(signal)];
      let abandon!: () => void;
      const hedged = new Promise<UnaryResponse>((resolve, reject) => {
        let settled = false;
        let failures = 0;
        let firstError: unknown;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const launch = (index: number, attemptTimeoutMs: number | undefined) => {
          const attempt = attempts[index]!;
          const attemptStarted = now();
          next.unary(method, attempt.signal, attemptTimeoutMs, header, input, contextValues).then(
            (response) => {
              attempt.unlink();
              if (settled) return;
              settled = true;
              observe(now() - attemptStarted);
              if (index === 1) {
                metrics.hedgeWins++;
                const notes = callNotesOf(contextValues);
                if (notes !== undefined) notes.hedgeWon = true;
              }
              finish(index);
              resolve(response);
            },
            (e: unknown) => {
              attempt.unlink();
              if (settled) return;
              failures++;
              firstError ??= e;
              // One failed attempt waits for the other; with no hedge sent, fail now.
              if (failures < attempts.length) return;
              settled = true;
              finish(index);
              reject(firstError);
            },
          );
        };
        const finish = (winner: number) => {
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          attempts.forEach((a, i) => {
            if (i !== winner) a.abort(new ConnectError("hedged attempt lost", Code.Canceled));
          });
        };
        // The caller left (its deadline or signal): no hedge, and no attempt left running.
        abandon = () => {
          if (settled) return;
          settled = true;
          finish(-1);
          for (const a of attempts) a.unlink();
        };
        launch(0, timeoutMs);
        const remaining = timeoutMs === undefined ? Infinity : timeoutMs - delayMs;
        if (remaining > minDelayMs) {
          timer = setTimeout(() => {
            timer = undefined;
            if (settled || failures > 0 || signal?.aborted || !budget.canRetry()) return;
            metrics.hedges++;
            const notes = callNotesOf(contextValues);
            if (notes !== undefined) notes.hedged = true;
            metrics.emit({ type: "hedge", service: "prediction", method: method.localName, delayMs });
            attempts.push(linkedAbort(signal));
            launch(1, timeoutMs === undefined ? undefined : Math.max(1, Math.floor(timeoutMs - (now() - started))));
          }, delayMs);
        }
      });
      // The caller's own deadline and signal hold even if an attempt never
      // settles (a runtime that cancelled its request without settling it).
      return waitAsCaller(hedged, signal, timeoutMs, () => abandon()) as never;
    },
    stream: (...args) => next.stream(...args),
  };
}
