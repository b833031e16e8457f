import type { DescMethod } from "@bufbuild/protobuf";
import type { Code, ContextValues, StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import type { TelemetryTarget } from "../client/client-telemetry.js";
import { newCallNotes, withCallNotes, type CallNotes } from "../metrics/call-notes.js";
import { codeOf } from "../call/call-errors.js";
import type { ClientInstruments, OutcomeTally } from "./client-instruments.js";
import type { RpcSemanticConventions } from "./open-telemetry-options.js";
import { addNotesAttributes, addStatusAttributes, methodAttributes, type MethodAttributes } from "./rpc-attributes.js";

/** What the call layers of one `openTelemetry()` share. */
export interface CallTracing {
  readonly tracer: Tracer;
  readonly conventions: RpcSemanticConventions;
  /** The instruments, created on the first call (so a meter provider registered after `openTelemetry()` is used). */
  instruments(): ClientInstruments;
  /**
   * The counts of an attribute set, shared by every client of this
   * `openTelemetry()` (two clients of one endpoint count together: an
   * observable counter takes one value per attribute set).
   */
  tally(attributes: Attributes): OutcomeTally;
}

/**
 * A client span around every call as its caller sees it. A unary call's
 * starts before the cache lookup and ends when the answer (a cache hit, the
 * service's, a fallback) or the error reaches the caller, with the RPC
 * attributes and what the layers below noted (cache, retries, hedge,
 * fallback), and its duration and counts are recorded as metrics. A
 * stream's span ends when the response stream ends, fails, or the caller
 * stops reading it; streams are not measured (their length is the caller's
 * choice, not a latency). The span is the active context while the call is
 * made, and the call's notes carry it to the attempt layer, which
 * propagates it.
 */
export function createTracedCallTransport(next: Transport, target: TelemetryTarget, tracing: CallTracing): Transport {
  const { tracer, conventions } = tracing;
  const byMethod = new Map<DescMethod, MethodAttributes>();

  const end = (span: Span, method: MethodAttributes, notes: CallNotes, started: number, error: unknown, failed: boolean, measure = true) => {
    try {
      const seconds = (performance.now() - started) / 1000;
      const code: Code | undefined = failed ? codeOf(error) : undefined;
      if (span.isRecording()) {
        const outcome: Attributes = {};
        addStatusAttributes(outcome, target, code, conventions);
        addNotesAttributes(outcome, notes);
        span.setAttributes(outcome);
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
      if (!measure) return;

      const m = tracing.instruments();
      // Per method and outcome; the span carries the details (attempts, which attempt won).
      const t = tallyOf(method, code, notes);
      m.duration.record(seconds * m.perSecond, t.attributes);
      t.calls++;
      if (notes.cache === "miss" || notes.cache === "coalesced") t.cacheMisses++;
      else if (notes.cache !== undefined) t.cacheHits++;
      if (notes.fallback !== undefined) t.fallbacks++;
      if (notes.attempts > 1) t.retries += notes.attempts - 1;
      if (notes.hedged) t.hedges++;
    } catch {
      // A failing exporter or provider is not the call's failure.
    }
  };

  // The metric attributes and counts of each outcome, built once: a call adds to its outcome's.
  const outcomes = new Map<MethodAttributes, Map<string, OutcomeTally>>();
  const tallyOf = (method: MethodAttributes, code: Code | undefined, notes: CallNotes): OutcomeTally => {
    let byOutcome = outcomes.get(method);
    if (byOutcome === undefined) outcomes.set(method, (byOutcome = new Map()));
    const key = `${code ?? ""}|${notes.cache ?? ""}|${notes.fallback ?? ""}|${notes.hedged ? 1 : 0}`;
    let tally = byOutcome.get(key);
    if (tally === undefined) {
      const attributes: Attributes = { ...method.start };
      addStatusAttributes(attributes, target, code, conventions);
      if (notes.cache !== undefined) attributes["syncvalue.cache"] = notes.cache;
      if (notes.fallback !== undefined) attributes["syncvalue.fallback"] = notes.fallback;
      if (notes.hedged) attributes["syncvalue.hedge"] = true;
      tally = tracing.tally(attributes);
      byOutcome.set(key, tally);
    }
    return tally;
  };

  /** Starts a call's span and makes the call with it active and its notes in the context values. */
  const start = <R>(method: DescMethod, contextValues: ContextValues | undefined, call: (values: ContextValues) => Promise<R>) => {
    let attributes = byMethod.get(method);
    if (attributes === undefined) {
      attributes = methodAttributes(target, method, conventions);
      byMethod.set(method, attributes);
    }
    const parent = context.active();
    const span = tracer.startSpan(attributes.spanName, { kind: SpanKind.CLIENT, attributes: attributes.start }, parent);
    const notes = newCallNotes();
    const traced = trace.setSpan(parent, span);
    notes.trace = traced;
    const started = performance.now();
    let sent: Promise<R>;
    try {
      const values = withCallNotes(contextValues, target.notesKey, notes);
      sent = context.with(traced, () => call(values));
    } catch (e) {
      sent = Promise.reject(e);
    }
    return { sent, span, attributes, notes, started };
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const c = start(method, contextValues, (values) => next.unary(method, signal, timeoutMs, header, input, values) as Promise<UnaryResponse>);
      return c.sent.then(
        (response) => {
          end(c.span, c.attributes, c.notes, c.started, undefined, false);
          return response;
        },
        (e: unknown) => {
          end(c.span, c.attributes, c.notes, c.started, e, true);
          throw e;
        },
      ) as never;
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      const c = start(method, contextValues, (values) => next.stream(method, signal, timeoutMs, header, input, values) as Promise<StreamResponse>);
      const done = (error: unknown, failed: boolean) => end(c.span, c.attributes, c.notes, c.started, error, failed, false);
      return c.sent.then(
        (response) => ({ ...response, message: endsWith(response.message, done) }),
        (e: unknown) => {
          done(e, true);
          throw e;
        },
      ) as never;
    },
  };
}

/** The messages of a response stream, calling `done` once when it ends, fails or the caller stops reading. */
async function* endsWith<T>(messages: AsyncIterable<T>, done: (error: unknown, failed: boolean) => void): AsyncIterable<T> {
  let error: unknown;
  let failed = false;
  try {
    yield* messages;
  } catch (e) {
    error = e;
    failed = true;
    throw e;
  } finally {
    done(error, failed);
  }
}
