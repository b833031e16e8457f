// Guest for Vercel's edge-runtime: the built `syncvalue` and `syncvalue/otel`
// (edge-light condition) with the OpenTelemetry SDK's in-memory exporter, in
// an EdgeRuntime VM (no code generation, no Node modules). A fetch event makes
// one predictLTV call over Connect to `?url=` and answers with the span.
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createClient } from "syncvalue";
import { openTelemetry } from "syncvalue/otel";

interface FetchEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

async function run(url: string): Promise<unknown> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const client = createClient({
    prediction: { url, protocol: "connect" },
    cache: false,
    timeoutMs: 5_000,
    telemetry: openTelemetry({ tracerProvider, propagator: new W3CTraceContextPropagator() }),
  });
  const answer = await client.prediction.predictLTV({
    requestId: "r-edge",
    customerId: "c-edge",
    platform: "amazon",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 64 }],
  });
  await client.close();
  return {
    requestId: answer.requestId,
    spans: spans.getFinishedSpans().map((s) => ({
      name: s.name,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      attributes: s.attributes,
    })),
  };
}

(globalThis as unknown as { addEventListener(type: "fetch", listener: (e: FetchEvent) => void): void }).addEventListener("fetch", (event) => {
  const url = new URL(event.request.url).searchParams.get("url") ?? "";
  event.respondWith(run(url).then((r) => Response.json(r), (e: unknown) => Response.json({ error: String(e) })));
});
