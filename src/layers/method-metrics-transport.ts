import type { DescMethod } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { callError } from "../call/call-errors.js";
import { answerAtHand } from "../call/ready-answer.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import type { LatencyHistogram } from "../metrics/latency-histogram.js";

/**
 * Records the latency and outcome of every unary call as its caller sees it
 * (cache hits and fallbacks included), per method. Streams pass through
 * unrecorded: their duration is the caller's choice, not a latency.
 *
 * As the outermost layer of a client's unary calls below the default deadline,
 * it also gives their errors their final form (`callError`: a `ConnectError`,
 * a passed deadline naming the method and the deadline), on the error path it
 * has anyway rather than another promise per call.
 *
 * An answer the layers below had at hand (a cache hit, see `readyAnswer`) is
 * recorded as 0 µs, and its promise goes up as it is: no promise, closure or
 * microtask of this layer's, and no second clock reading (a clock reading
 * can cost more than the whole hit, which takes well under the histogram's
 * 1 µs resolution).
 */
export function createMethodMetricsTransport(next: Transport, metrics: ClientMetrics, now: () => number): Transport {
  // Keyed by descriptor: one Map lookup per call, no string building.
  const records = new Map<DescMethod, { histogram: LatencyHistogram; errors: number }>();
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      let record = records.get(method);
      if (record === undefined) {
        record = metrics.method(method.localName);
        records.set(method, record);
      }
      const r = record;
      const started = now();
      const answer = next.unary(method, signal, timeoutMs, header, input, contextValues);
      if (answerAtHand(answer) !== undefined) {
        r.histogram.recordMs(0);
        return answer;
      }
      return answer.then(
        (response) => {
          r.histogram.recordMs(now() - started);
          return response;
        },
        (e: unknown) => {
          r.histogram.recordMs(now() - started);
          r.errors++;
          throw callError(e, method.name, timeoutMs);
        },
      );
    },
    stream: (...args) => next.stream(...args),
  };
}
