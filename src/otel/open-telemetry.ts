import { metrics, trace } from "@opentelemetry/api";
import type { ClientTelemetry } from "../client/client-telemetry.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { createClientInstruments, type ClientInstruments, type OutcomeTally } from "./client-instruments.js";
import { openTelemetryDefaults, type OpenTelemetryOptions } from "./open-telemetry-options.js";
import { createTraceContextTransport } from "./trace-context-transport.js";
import { createTracedCallTransport, type CallTracing } from "./traced-call-transport.js";

/**
 * OpenTelemetry tracing and metrics for a client, on `@opentelemetry/api`
 * (an optional peer dependency, loaded only by this entry):
 *
 * - a CLIENT span per call, named `package.Service/Method`, enclosing
 *   the whole call as its caller sees it (cache lookup, retries, hedge,
 *   fallback), with the RPC semantic-convention attributes, `server.address`,
 *   `server.port`, and `syncvalue.transport` (`grpc`, `connect`, `grpc-web`,
 *   `tcp`), `syncvalue.cache` (`hit`, `stale`, `miss`, `stale-if-error`),
 *   `syncvalue.retry.attempts`, `syncvalue.hedge`, `syncvalue.hedge.won` and
 *   `syncvalue.fallback` (the reason) where they apply; a cache hit is a span
 *   too;
 * - the span's trace context on every HTTP attempt's request headers
 *   (`traceparent` with the W3C propagator); not on raw TCP, whose framed
 *   MessagePack requests have no headers;
 * - the duration histogram (`rpc.client.call.duration`) and the counters
 *   `syncvalue.client.calls`, `.cache.hits`, `.cache.misses`, `.fallbacks`,
 *   `.retries`, `.hedges`.
 *
 * A stream's span lasts until its response stream ends; streams are not
 * counted in the metrics. Bad options throw `InvalidArgument` naming the option.
 *
 * @example
 * ```ts
 * import { createClient } from "syncvalue";
 * import { openTelemetry } from "syncvalue/otel";
 * const client = createClient({ prediction: "http://127.0.0.1:8080", telemetry: openTelemetry() });
 * ```
 *
 * @public
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): ClientTelemetry {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const { tracerProvider, meterProvider, propagator } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== "function") {
    throw invalidArgument("tracerProvider", "must be an OpenTelemetry TracerProvider");
  }
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== "function") {
    throw invalidArgument("meterProvider", "must be an OpenTelemetry MeterProvider");
  }
  if (propagator !== undefined && typeof propagator?.inject !== "function") {
    throw invalidArgument("propagator", "must be an OpenTelemetry TextMapPropagator");
  }
  const conventions = options.semanticConventions ?? openTelemetryDefaults.semanticConventions;
  if (conventions !== "stable" && conventions !== "legacy") throw invalidArgument("semanticConventions", `must be "stable" or "legacy"`);

  const scope = openTelemetryDefaults.instrumentationScope;
  // The global provider is a proxy: spans go to whichever provider is registered when they start.
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(scope);
  let instruments: ClientInstruments | undefined;
  const tallies = new Map<string, OutcomeTally>();
  const tracing: CallTracing = {
    tracer,
    conventions,
    tally(attributes) {
      // Once per outcome of a client, not per call.
      const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      let tally = tallies.get(key);
      if (tally === undefined) {
        tally = { attributes, calls: 0, cacheHits: 0, cacheMisses: 0, fallbacks: 0, retries: 0, hedges: 0 };
        tallies.set(key, tally);
      }
      return tally;
    },
    instruments: () => (instruments ??= createClientInstruments((meterProvider ?? metrics.getMeterProvider()).getMeter(scope), conventions, tallies)),
  };
  return {
    calls: (next, target) => createTracedCallTransport(next, target, tracing),
    // The TCP binding has no headers to carry a trace context.
    attempts: (next, target) => (target.transport === "tcp" ? next : createTraceContextTransport(next, target, propagator)),
  };
}
