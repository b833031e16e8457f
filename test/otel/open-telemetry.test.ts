import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheControl } from "../../src/cache/cache-control.js";
import { LTVPredictionRequestSchema, PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { openTelemetry, type OpenTelemetryOptions } from "../../src/otel/index.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

const request = (customerId: string, requestId = `r-${customerId}`) =>
  create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "amazon",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 64 }],
  });

/** A tracer and meter provider over in-memory exporters, and what they recorded. */
function recorder(options: Omit<OpenTelemetryOptions, "tracerProvider" | "meterProvider"> = {}) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exported only when the test flushes it.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    telemetry: openTelemetry({ tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator(), ...options }),
    tracer: tracerProvider.getTracer("test"),
    spans: () => spans.getFinishedSpans().filter((s) => s.instrumentationScope.name === "syncvalue"),
    async metrics(): Promise<MetricData[]> {
      await reader.forceFlush();
      const batches = metricExporter.getMetrics();
      return batches.at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    },
    async close() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The sum of a counter's data points whose attributes include `where`. */
function counted(metrics: MetricData[], name: string, where: Record<string, unknown> = {}): number {
  const metric = metrics.find((m) => m.descriptor.name === name);
  if (metric === undefined) return 0;
  return metric.dataPoints
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (p.value as number), 0);
}

const predictLtvName = "syncvalue.v1.SyncValueService/PredictLTV";

describe("openTelemetry()", () => {
  let server: ReferenceServer;
  let slowMs = 0;
  let slowOnceMs = 0;
  let failing = false;
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    server = await createServer({
      tcp: true,
      model: async (req) => {
        const once = slowOnceMs;
        slowOnceMs = 0;
        if (slowMs + once > 0) await new Promise((r) => setTimeout(r, slowMs + once));
        if (failing) throw new Error("model is down");
        return predictBaselineLtv(req);
      },
    });
  });
  afterAll(async () => {
    await server.close();
    context.disable();
  });

  it("records a client span per call with the RPC attributes, as a child of the caller's span", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      const parent = r.tracer.startSpan("bid");
      const answer = await context.with(trace.setSpan(context.active(), parent), () => client.prediction.predictLTV(request("c-1")));
      parent.end();
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
      const [span] = r.spans();
      expect(r.spans()).toHaveLength(1);
      expect(span!.name).toBe(predictLtvName);
      expect(span!.kind).toBe(SpanKind.CLIENT);
      expect(span!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span!.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(span!.status.code).toBe(SpanStatusCode.UNSET);
      expect(span!.attributes).toMatchObject({
        "rpc.system.name": "grpc",
        "rpc.method": predictLtvName,
        "rpc.response.status_code": "OK",
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "syncvalue.transport": "grpc",
        "syncvalue.retry.attempts": 1,
      });
      expect(span!.attributes["error.type"]).toBeUndefined();
      expect(span!.attributes["syncvalue.cache"]).toBeUndefined();

      const metrics = await r.metrics();
      const duration = metrics.find((m) => m.descriptor.name === "rpc.client.call.duration") as HistogramMetricData;
      expect(duration.descriptor.unit).toBe("s");
      expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
      const [point] = duration.dataPoints;
      expect(point!.value.count).toBe(1);
      expect(point!.attributes).toMatchObject({ "rpc.method": predictLtvName, "rpc.response.status_code": "OK", "server.port": server.port });
      // The histogram and the span time the same call.
      const spanSeconds = span!.duration[0] + span!.duration[1] / 1e9;
      expect(point!.value.sum).toBeGreaterThan(0);
      expect(point!.value.sum).toBeLessThanOrEqual(spanSeconds + 0.001);
      expect(counted(metrics, "syncvalue.client.calls", { "rpc.method": predictLtvName })).toBe(1);
    } finally {
      await client.close();
      await r.close();
    }
  });

  it("counts the calls of two clients sharing one openTelemetry() together", async () => {
    const r = recorder();
    const one = createClient({ prediction: server.url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    const two = createClient({ prediction: server.url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      await one.prediction.predictLTV(request("c-one"));
      await two.prediction.predictLTV(request("c-two"));
      await two.prediction.predictLTV(request("c-two-again"));
      const metrics = await r.metrics();
      expect(counted(metrics, "syncvalue.client.calls", { "rpc.method": predictLtvName })).toBe(3);
      const duration = metrics.find((m) => m.descriptor.name === "rpc.client.call.duration") as HistogramMetricData;
      expect(duration.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(3);
    } finally {
      await one.close();
      await two.close();
      await r.close();
    }
  });

  it("marks a server error: span status, status code, error.type", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    failing = true;
    try {
      await expect(client.prediction.predictLTV(request("c-err"))).rejects.toMatchObject({ code: Code.Internal });
      const [span] = r.spans();
      expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      expect(span!.status.message).toContain("model is down");
      expect(span!.attributes).toMatchObject({ "rpc.response.status_code": "INTERNAL", "error.type": "INTERNAL" });
      expect(counted(await r.metrics(), "syncvalue.client.calls", { "rpc.response.status_code": "INTERNAL" })).toBe(1);
    } finally {
      failing = false;
      await client.close();
      await r.close();
    }
  });

  it("marks a passed deadline, and a fallback answer with its reason", async () => {
    const r = recorder();
    const strict = createClient({ prediction: server.url, cache: false, fallback: false, timeoutMs: 60, telemetry: r.telemetry });
    // The fallback answers 50 ms in, long before the call's own deadline could fail it.
    const lenient = createClient({ prediction: server.url, cache: false, fallback: { reserveMs: 250 }, timeoutMs: 300, telemetry: r.telemetry });
    slowMs = 1_000;
    try {
      await expect(strict.prediction.predictLTV(request("c-slow"))).rejects.toMatchObject({ code: Code.DeadlineExceeded });
      const local = await lenient.prediction.predictLTV(request("c-slow"));
      expect(local.status, local.errorMessage).toBe(PredictionStatus.FALLBACK);
      const [deadline, fallback] = r.spans();
      expect(deadline!.status.code).toBe(SpanStatusCode.ERROR);
      expect(deadline!.attributes).toMatchObject({ "rpc.response.status_code": "DEADLINE_EXCEEDED", "error.type": "DEADLINE_EXCEEDED" });
      expect(fallback!.status.code).toBe(SpanStatusCode.UNSET);
      expect(fallback!.attributes).toMatchObject({ "rpc.response.status_code": "OK", "syncvalue.fallback": "deadline" });
      const metrics = await r.metrics();
      expect(counted(metrics, "syncvalue.client.fallbacks", { "syncvalue.fallback": "deadline" })).toBe(1);
      expect(counted(metrics, "syncvalue.client.calls", { "error.type": "DEADLINE_EXCEEDED" })).toBe(1);
    } finally {
      slowMs = 0;
      await strict.close();
      await lenient.close();
      await r.close();
    }
  });

  it("makes a span of a cache hit too, and counts hits and misses", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      const before = server.requestCount();
      await client.prediction.predictLTV(request("c-cached", "r-1"));
      const hit = await client.prediction.predictLTV(request("c-cached", "r-2"));
      await client.prediction.predictLTV(request("c-cached", "r-3"), { contextValues: createContextValues().set(cacheControl, "bypass") });
      expect(hit.requestId).toBe("r-2");
      expect(server.requestCount() - before).toBe(2);
      expect(r.spans().map((s) => s.attributes["syncvalue.cache"])).toEqual(["miss", "hit", "miss"]);
      const hitSpan = r.spans()[1]!;
      expect(hitSpan.name).toBe(predictLtvName);
      expect(hitSpan.attributes["rpc.response.status_code"]).toBe("OK");
      // Answered from memory: no attempt was sent.
      expect(hitSpan.attributes["syncvalue.retry.attempts"]).toBeUndefined();
      const metrics = await r.metrics();
      expect(counted(metrics, "syncvalue.client.cache.hits", { "syncvalue.cache": "hit" })).toBe(1);
      expect(counted(metrics, "syncvalue.client.cache.misses")).toBe(2);
      expect(counted(metrics, "syncvalue.client.calls")).toBe(3);
    } finally {
      await client.close();
      await r.close();
    }
  });

  it("marks a hedged call, and whether the hedge won", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.url, cache: false, hedging: { delayMs: 30 }, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      // The first attempt takes 1 s, the hedge sent 30 ms in answers at once.
      slowOnceMs = 1_000;
      await client.prediction.predictLTV(request("c-hedge"));
      expect(r.spans()).toHaveLength(1);
      expect(r.spans()[0]!.attributes).toMatchObject({ "syncvalue.hedge": true, "syncvalue.hedge.won": true, "rpc.response.status_code": "OK" });
      expect(counted(await r.metrics(), "syncvalue.client.hedges")).toBe(1);
    } finally {
      slowOnceMs = 0;
      await client.close();
      await r.close();
    }
  });

  it("marks an answer from a stale entry when the service failed (stale-if-error) as a success", async () => {
    const r = recorder();
    const client = createClient({
      prediction: server.url,
      cache: { ttlMs: 1, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000 },
      fallback: false,
      timeoutMs: 5_000,
      telemetry: r.telemetry,
    });
    try {
      await client.prediction.predictLTV(request("c-spare", "r-1"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      failing = true;
      const spare = await client.prediction.predictLTV(request("c-spare", "r-2"));
      expect(spare.requestId).toBe("r-2");
      const [, second] = r.spans();
      expect(second!.status.code).toBe(SpanStatusCode.UNSET);
      expect(second!.attributes).toMatchObject({ "syncvalue.cache": "stale-if-error", "rpc.response.status_code": "OK" });
      expect(counted(await r.metrics(), "syncvalue.client.cache.hits", { "syncvalue.cache": "stale-if-error" })).toBe(1);
    } finally {
      failing = false;
      await client.close();
      await r.close();
    }
  });

  it("tells a call that joined an identical one in flight (coalesced) from the one that was sent", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, telemetry: r.telemetry });
    slowMs = 200;
    try {
      const before = server.requestCount();
      await Promise.all([client.prediction.predictLTV(request("c-joined", "r-1")), client.prediction.predictLTV(request("c-joined", "r-2"))]);
      expect(server.requestCount() - before).toBe(1);
      expect(r.spans().map((s) => s.attributes["syncvalue.cache"]).sort()).toEqual(["coalesced", "miss"]);
      expect(counted(await r.metrics(), "syncvalue.client.cache.misses", { "syncvalue.cache": "coalesced" })).toBe(1);
    } finally {
      slowMs = 0;
      await client.close();
      await r.close();
    }
  });

  it("traces createPredictionClient's calls and cache hits as well", async () => {
    const r = recorder();
    const client = createPredictionClient({ endpoint: server.url, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      await client.prediction.predictLTV(request("c-pc", "r-1"));
      await client.prediction.predictLTV(request("c-pc", "r-2"));
      expect(r.spans().map((s) => [s.name, s.attributes["syncvalue.cache"]])).toEqual([
        [predictLtvName, "miss"],
        [predictLtvName, "hit"],
      ]);
    } finally {
      await client.close();
      await r.close();
    }
  });

  it("traces raw TCP calls (no trace context can go on that wire)", async () => {
    const r = recorder();
    const client = createClient({ prediction: server.tcpUrl!, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      await client.prediction.predictLTV(request("c-tcp"));
      const [span] = r.spans();
      expect(span!.attributes).toMatchObject({
        "rpc.system.name": "syncvalue_tcp",
        "rpc.method": predictLtvName,
        "rpc.response.status_code": "OK",
        "server.address": "127.0.0.1",
        "server.port": Number(new URL(server.tcpUrl!).port),
        "syncvalue.transport": "tcp",
      });
    } finally {
      await client.close();
      await r.close();
    }
  });

  it("follows the legacy (semconv 1.37) conventions when asked", async () => {
    const r = recorder({ semanticConventions: "legacy" });
    const client = createClient({ prediction: server.url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
    try {
      await client.prediction.predictLTV(request("c-legacy"));
      const [span] = r.spans();
      expect(span!.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": "syncvalue.v1.SyncValueService",
        "rpc.method": "PredictLTV",
        "rpc.grpc.status_code": 0,
        "server.port": server.port,
      });
      expect(span!.attributes["rpc.system.name"]).toBeUndefined();
      const duration = (await r.metrics()).find((m) => m.descriptor.name === "rpc.client.duration") as HistogramMetricData;
      expect(duration.descriptor.unit).toBe("ms");
      expect(duration.dataPoints[0]!.value.count).toBe(1);
    } finally {
      await client.close();
      await r.close();
    }
  });

  it("refuses bad options, naming them, before anything is built", () => {
    expect(() => openTelemetry({ tracerProvider: 5 as never })).toThrow(/tracerProvider/);
    expect(() => openTelemetry({ meterProvider: {} as never })).toThrow(/meterProvider/);
    expect(() => openTelemetry({ propagator: "w3c" as never })).toThrow(/propagator/);
    expect(() => openTelemetry({ semanticConventions: "v1" as never })).toThrow(/semanticConventions/);
    for (const make of [
      () => openTelemetry({ tracerProvider: null as never }),
      () => createClient({ prediction: server.url, telemetry: {} as never }),
      () => createPredictionClient({ endpoint: server.url, telemetry: (() => undefined) as never }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    }
    expect(() => createClient({ prediction: server.url, telemetry: {} as never })).toThrow(/^\[invalid_argument\] telemetry:/);
  });

  describe("on the wire", () => {
    // The reference server's prediction service behind an interceptor that
    // records each request's traceparent and fails the first `failFirst` with Unavailable.
    let h2: http2.Http2Server;
    let url: string;
    const seen: (string | null)[] = [];
    let failFirst = 0;
    beforeAll(async () => {
      const record: Interceptor = (next) => async (req) => {
        seen.push(req.header.get("traceparent"));
        if (failFirst > 0) {
          failFirst--;
          throw new ConnectError("try again", Code.Unavailable);
        }
        return next(req);
      };
      h2 = http2.createServer(connectNodeAdapter({ routes: (router) => router.service(SyncValueService, server.prediction), interceptors: [record] }));
      await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => h2.close(() => resolve()));
    });

    for (const protocol of ["grpc", "connect", "grpc-web"] as const) {
      it(`sends the span's traceparent (${protocol})`, async () => {
        const r = recorder();
        const client = createClient({ prediction: { url, protocol }, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
        try {
          seen.length = 0;
          await client.prediction.predictLTV(request(`c-${protocol}`));
          const [span] = r.spans();
          const { traceId, spanId } = span!.spanContext();
          expect(seen).toEqual([`00-${traceId}-${spanId}-01`]);
          expect(span!.attributes["syncvalue.transport"]).toBe(protocol);
          expect(span!.attributes["rpc.system.name"]).toBe(protocol === "connect" ? "connectrpc" : "grpc");
        } finally {
          await client.close();
          await r.close();
        }
      });
    }

    it("keeps the caller's own headers and adds the traceparent", async () => {
      const r = recorder();
      const client = createClient({ prediction: url, cache: false, timeoutMs: 5_000, telemetry: r.telemetry });
      try {
        seen.length = 0;
        await client.prediction.predictLTV(request("c-headers"), { headers: { "x-bid": "1" } });
        expect(seen[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      } finally {
        await client.close();
        await r.close();
      }
    });

    it("counts the retries of a call in its one span; every attempt carries its traceparent", async () => {
      const r = recorder();
      const client = createClient({
        prediction: url,
        cache: false,
        timeoutMs: 5_000,
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
        telemetry: r.telemetry,
      });
      try {
        seen.length = 0;
        failFirst = 1;
        await client.prediction.predictLTV(request("c-retry"));
        expect(r.spans()).toHaveLength(1);
        const [span] = r.spans();
        expect(span!.attributes).toMatchObject({ "syncvalue.retry.attempts": 2, "rpc.response.status_code": "OK" });
        const { traceId, spanId } = span!.spanContext();
        expect(seen).toEqual([`00-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-01`]);
        const metrics = await r.metrics();
        expect(counted(metrics, "syncvalue.client.retries")).toBe(1);
        expect(counted(metrics, "syncvalue.client.calls")).toBe(1);
      } finally {
        failFirst = 0;
        await client.close();
        await r.close();
      }
    });

    it("traces a stream until its responses end, and sends its traceparent", async () => {
      const r = recorder();
      const client = createClient({ prediction: url, timeoutMs: 5_000, telemetry: r.telemetry });
      try {
        seen.length = 0;
        async function* requests() {
          yield request("c-s1", "r-s1");
          yield request("c-s2", "r-s2");
        }
        const answers: string[] = [];
        for await (const answer of client.prediction.predictLTVStream(requests(), { timeoutMs: 5_000 })) {
          answers.push(answer.requestId);
          // Not over until the last response was read.
          expect(r.spans()).toHaveLength(0);
        }
        expect(answers).toEqual(["r-s1", "r-s2"]);
        expect(r.spans()).toHaveLength(1);
        const [span] = r.spans();
        expect(span!.name).toBe("syncvalue.v1.SyncValueService/PredictLTVStream");
        expect(span!.status.code).toBe(SpanStatusCode.UNSET);
        expect(span!.attributes).toMatchObject({ "rpc.response.status_code": "OK", "syncvalue.transport": "grpc" });
        const { traceId, spanId } = span!.spanContext();
        expect(seen).toEqual([`00-${traceId}-${spanId}-01`]);
        // Streams are not measured.
        expect(counted(await r.metrics(), "syncvalue.client.calls")).toBe(0);
      } finally {
        await client.close();
        await r.close();
      }
    });

    it("marks a failed stream", async () => {
      const r = recorder();
      const client = createClient({ prediction: url, timeoutMs: 5_000, telemetry: r.telemetry });
      try {
        failFirst = 1;
        async function* requests() {
          yield request("c-sf", "r-sf");
        }
        const read = async () => {
          for await (const _ of client.prediction.predictLTVStream(requests(), { timeoutMs: 5_000 })) {
            // Nothing comes: the server refuses the stream.
          }
        };
        await expect(read()).rejects.toMatchObject({ code: Code.Unavailable });
        const [span] = r.spans();
        expect(span!.status.code).toBe(SpanStatusCode.ERROR);
        expect(span!.attributes).toMatchObject({ "rpc.response.status_code": "UNAVAILABLE", "error.type": "UNAVAILABLE" });
      } finally {
        failFirst = 0;
        await client.close();
        await r.close();
      }
    });

    it("marks a Connect error with Connect's code name", async () => {
      const r = recorder();
      const client = createClient({ prediction: { url, protocol: "connect" }, cache: false, retry: false, fallback: false, timeoutMs: 5_000, telemetry: r.telemetry });
      try {
        failFirst = 1;
        await expect(client.prediction.predictLTV(request("c-connect-error"))).rejects.toMatchObject({ code: Code.Unavailable });
        const [span] = r.spans();
        expect(span!.attributes).toMatchObject({ "rpc.response.status_code": "unavailable", "error.type": "UNAVAILABLE" });
      } finally {
        failFirst = 0;
        await client.close();
        await r.close();
      }
    });

    it("sends no traceparent without telemetry", async () => {
      const client = createClient({ prediction: url, cache: false, timeoutMs: 5_000 });
      try {
        seen.length = 0;
        const parent = trace.getTracer("test").startSpan("bid");
        await context.with(trace.setSpan(context.active(), parent), () => client.prediction.predictLTV(request("c-plain")));
        expect(seen).toEqual([null]);
      } finally {
        await client.close();
      }
    });
  });
});
