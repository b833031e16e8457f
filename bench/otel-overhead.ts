// What syncvalue/otel costs per call, against the same client without it, in
// one process and moment, on the in-process reference server:
//
//   npm run bench:otel [-- --rounds N] [--batch N]
//
// Clients per path: no telemetry; openTelemetry() with no SDK registered (the
// API's no-op tracer and meter: what a library user pays before opting in);
// openTelemetry() on the SDK (BasicTracerProvider with a SimpleSpanProcessor
// into an InMemorySpanExporter, a MeterProvider with a reader): spans only,
// metrics only, and both, the full cost.
// Paths: a cache hit (no I/O: the layer's own cost shows), and a call over
// gRPC to the server (cache off). Variants run in interleaved rounds of
// `batch` sequential calls, so a busy neighbour slows all alike; each round
// gives one us/call figure. Reports p50 and p99 of those figures.
import { create } from "@bufbuild/protobuf";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { LTVPredictionRequestSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../src/node/create-client-node.js";
import { openTelemetry } from "../src/otel/index.js";
import { createServer } from "../src/server/index.js";
import { quantileSorted } from "./suite/quantiles.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("--rounds", 40);
const batch = arg("--batch", 200);

const request = create(LTVPredictionRequestSchema, {
  requestId: "r-1",
  customerId: "c-1",
  platform: "amazon",
  eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 64 }],
});

const server = await createServer();
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })],
});
const telemetries = [
  { name: "no telemetry", telemetry: undefined },
  { name: "openTelemetry(), no SDK (no-op API)", telemetry: openTelemetry() },
  { name: "openTelemetry(), SDK spans only", telemetry: openTelemetry({ tracerProvider }) },
  { name: "openTelemetry(), SDK metrics only", telemetry: openTelemetry({ meterProvider }) },
  { name: "openTelemetry() on the SDK", telemetry: openTelemetry({ tracerProvider, meterProvider }) },
];
const paths = [
  { name: "cache hit", cache: true, batch },
  { name: "gRPC call (cache off)", cache: false, batch: Math.max(1, Math.round(batch / 4)) },
];
const variants = paths.flatMap((path) =>
  telemetries.map((t) => ({
    path: path.name,
    telemetry: t.name,
    batch: path.batch,
    client: createClient({ prediction: server.url, cache: path.cache, timeoutMs: 5_000, telemetry: t.telemetry }),
  })),
);

const samples = variants.map(() => [] as number[]);
// Round 0 warms up (JIT, connections, the cache entry) and is not recorded.
for (let round = 0; round <= rounds; round++) {
  for (const [i, v] of variants.entries()) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < v.batch; k++) await v.client.prediction.predictLTV(request);
    const ns = Number(process.hrtime.bigint() - t0);
    spans.reset();
    if (round > 0) samples[i]!.push(ns / v.batch / 1000);
  }
}
for (const v of variants) await v.client.close();
await server.close();
await meterProvider.shutdown();
await tracerProvider.shutdown();

const rows = variants.map((v, i) => {
  const sorted = samples[i]!.sort((a, b) => a - b);
  return { ...v, p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99) };
});
console.log(`node ${process.version}, ${rounds} rounds; calls per round: ${paths.map((p) => `${p.name} ${p.batch}`).join(", ")}\n`);
console.log("| path | client | p50 us/call | p99 us/call | p50 vs no telemetry |");
console.log("|---|---|---:|---:|---:|");
for (const row of rows) {
  const base = rows.find((r) => r.path === row.path && r.telemetry === "no telemetry")!;
  console.log(`| ${row.path} | ${row.telemetry} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.p50 / base.p50).toFixed(2)}x |`);
}
