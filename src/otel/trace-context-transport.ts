import type { Transport } from "@connectrpc/connect";
import { defaultTextMapSetter, propagation, type Context, type TextMapPropagator, type TextMapSetter } from "@opentelemetry/api";
import type { TelemetryTarget } from "../client/client-telemetry.js";

const headersSetter: TextMapSetter<Headers> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/**
 * Puts the trace context of the call's span (from its notes) on the request
 * headers of every attempt: the first, each retry and a hedge carry the same
 * parent, so the server's spans hang under the caller's client span; a
 * stream's one request too. Calls without a span (a background cache
 * refresh, a micro-batch) go out as they came. Nothing is added when the
 * propagator has nothing to say.
 */
export function createTraceContextTransport(next: Transport, target: TelemetryTarget, propagator: TextMapPropagator | undefined): Transport {
  const inject = <C>(traced: Context, carrier: C, setter: TextMapSetter<C>) =>
    propagator === undefined ? propagation.inject(traced, carrier, setter) : propagator.inject(traced, carrier, setter);

  /** The headers of an attempt: the caller's with the call span's trace context added. */
  const traceHeaders = (header: HeadersInit | undefined, traced: Context): HeadersInit | undefined => {
    try {
      if (header === undefined) {
        // A plain record: the lean transports copy it without building Headers.
        const record: Record<string, string> = {};
        inject(traced, record, defaultTextMapSetter);
        for (const _ in record) return record;
        return undefined;
      }
      const h = new Headers(header);
      inject(traced, h, headersSetter);
      return h;
    } catch {
      // A failing propagator (or headers the caller got wrong, which the transport reports) sends the call untraced.
      return header;
    }
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const traced = contextValues?.get(target.notesKey)?.trace as Context | undefined;
      const headers = traced === undefined ? header : traceHeaders(header, traced);
      return next.unary(method, signal, timeoutMs, headers, input, contextValues);
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      const traced = contextValues?.get(target.notesKey)?.trace as Context | undefined;
      const headers = traced === undefined ? header : traceHeaders(header, traced);
      return next.stream(method, signal, timeoutMs, headers, input, contextValues);
    },
  };
}
