// Benchmark of the prediction cache's hit path and of micro-batching.
//
//   npx esbuild bench/cache-and-batching.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/cache-and-batching.mjs \
//     && node .build/bench/cache-and-batching.mjs
//
// 1. Cache hits: predictions/s through the whole client (validation, default
//    deadline, metrics, cache) and through the cache layer alone; p50/p99 of
//    one hit; the cost of the cache key.
// 2. Micro-batching against single calls: 256 concurrent callers, distinct
//    customers (no cache), against the reference server in a child process.
import { spawn } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { create } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { predictionCacheKey } from "../src/cache/prediction-cache-key.js";
import { resolveCacheOptions } from "../src/cache/cache-options.js";
import { createPredictionCacheTransport } from "../src/layers/prediction-cache-transport.js";
import { ResponseCache } from "../src/cache/response-cache.js";
import { LTVPredictionRequestSchema, SyncValueService } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { ClientMetrics } from "../src/metrics/client-metrics.js";
import { LatencyHistogram } from "../src/metrics/latency-histogram.js";
import { createClient } from "../src/node/create-client-node.js";
import { createServer } from "../src/server/index.js";

const DAY = 86_400_000;

if (process.argv[2] === "--server") {
  // The child: the reference server, alone on its event loop.
  const server = await createServer({ port: 0 });
  console.log(`listening ${server.url}`);
} else {
  await main();
}

function request(customerId: string, requestId: string, events = 8) {
  return create(LTVPredictionRequestSchema, {
    requestId,
    timestampMs: 1_700_000_000_000n,
    customerId,
    platform: "google_ads",
    campaignId: "campaign-2024-q4-retargeting",
    adGroupId: "ad-group-17",
    currentCac: 42.5,
    eventHistory: Array.from({ length: events }, (_, i) => ({
      timestampMs: BigInt(1_700_000_000_000 - (i + 1) * 3 * DAY),
      eventType: i % 3 === 0 ? "purchase" : "view",
      eventValue: i % 3 === 0 ? 30 + i : 0,
      source: "web",
      attributes: { device: "mobile" },
    })),
    features: [0.1, 0.2, 0.3, 0.4],
    metadata: { geo: "FR", segment: "returning" },
  });
}

async function main() {
  console.log(`# cache and micro-batching benchmark`);
  console.log(`machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);

  const child = spawn(process.execPath, [process.argv[1]!, "--server"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", () => reject(new Error(`server exited: ${out}`)));
      setTimeout(() => reject(new Error("server did not start")), 10_000);
    });
    await cacheHits(url);
    await batching(url);
  } finally {
    if (child.pid) process.kill(child.pid, "SIGKILL");
  }
}

async function cacheHits(url: string) {
  const req = request("customer-42", "warm");
  const N = 500_000;

  // The key alone.
  const small = request("customer-42", "warm-small", 0);
  let sink = 0;
  let t = cpuMs();
  for (let i = 0; i < N; i++) sink += predictionCacheKey(req);
  const keyNs = ((cpuMs() - t) * 1e6) / N;
  t = cpuMs();
  for (let i = 0; i < N; i++) sink += predictionCacheKey(small);
  const smallKeyNs = ((cpuMs() - t) * 1e6) / N;
  t = cpuMs();
  for (let i = 0; i < N / 10; i++) sink += JSON.stringify(req, (_k, v) => (typeof v === "bigint" ? v.toString() : v)).length;
  const jsonNs = ((cpuMs() - t) * 1e6) / (N / 10);

  // The cache layer alone, over a transport that answers once.
  const metrics = new ClientMetrics();
  const cache = new ResponseCache(resolveCacheOptions({}), metrics, { timeoutMs: 1_000, waitUntil: undefined });
  const client = createClient({ prediction: url, timeoutMs: 1_000 });
  const answer = await client.prediction.predictLTV(req, { contextValues: undefined });
  const origin: Transport = {
    unary: async (method) => ({ stream: false, service: SyncValueService, method, header: new Headers(), trailer: new Headers(), message: answer }) as never,
    stream: () => Promise.reject(new Error("no streams")),
  };
  const layer = createPredictionCacheTransport(origin, cache);
  await layer.unary(SyncValueService.method.predictLTV, undefined, 100, undefined, req);
  const layerRate = await throughput(N, () => layer.unary(SyncValueService.method.predictLTV, undefined, 100, undefined, req));
  await layer.unary(SyncValueService.method.predictLTV, undefined, 100, undefined, small);
  const layerSmallRate = await throughput(N, () => layer.unary(SyncValueService.method.predictLTV, undefined, 100, undefined, small));

  // The whole client: validation, default deadline, metrics, cache.
  const clientRate = await throughput(N, () => client.prediction.predictLTV(req));
  await client.prediction.predictLTV(small);
  const clientSmallRate = await throughput(N, () => client.prediction.predictLTV(small));
  const hist = new LatencyHistogram();
  for (let i = 0; i < 200_000; i++) {
    const s = performance.now();
    await client.prediction.predictLTV(req);
    hist.recordMs(performance.now() - s);
  }
  const m = client.metrics();
  await client.close();
  console.log(`## cache hits`);
  console.log(`"full": 8 events (with attributes), 4 features, 2 metadata entries; "small": no events. Rates per wall second and per CPU second of this process (the machine is shared).\n`);
  console.log(`| measure | full request | small request |`);
  console.log(`|---|---|---|`);
  console.log(`| cache key, CPU time per key | ${keyNs.toFixed(0)} ns | ${smallKeyNs.toFixed(0)} ns |`);
  console.log(`| JSON.stringify of the request, for comparison | ${jsonNs.toFixed(0)} ns | |`);
  console.log(`| hits/s, cache layer alone: wall / CPU | ${fmt(layerRate.wall)} / ${fmt(layerRate.cpu)} | ${fmt(layerSmallRate.wall)} / ${fmt(layerSmallRate.cpu)} |`);
  console.log(`| hits/s, whole client \`predictLTV\`: wall / CPU | ${fmt(clientRate.wall)} / ${fmt(clientRate.cpu)} | ${fmt(clientSmallRate.wall)} / ${fmt(clientSmallRate.cpu)} |`);
  console.log(`| one hit, whole client, sequential (wall): p50 / p99 | ${(hist.quantileMs(0.5) * 1000).toFixed(1)} µs / ${(hist.quantileMs(0.99) * 1000).toFixed(1)} µs | |`);
  console.log(`| misses (server requests) for ${fmt(m.cache.hits)} hits | ${m.cache.misses} | |\n`);
  if (sink === 42) console.log("");
}

/** Process CPU time in ms: on a shared machine, rates per CPU-second are the stable measure. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Calls per wall-clock second and per CPU second. */
async function throughput(n: number, call: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const chunk = 1_000;
  const calls: Promise<unknown>[] = new Array(chunk);
  // Warm-up, then the measured run.
  for (let i = 0; i < 50; i++) {
    for (let j = 0; j < chunk; j++) calls[j] = call();
    await Promise.all(calls);
  }
  const t = performance.now();
  const c = cpuMs();
  for (let i = 0; i < n; i += chunk) {
    for (let j = 0; j < chunk; j++) calls[j] = call();
    await Promise.all(calls);
  }
  return { wall: n / ((performance.now() - t) / 1000), cpu: n / ((cpuMs() - c) / 1000) };
}

async function batching(url: string) {
  const concurrency = 256;
  const seconds = 4;
  const rows: string[] = [];
  for (const mode of ["single", "batched"] as const) {
    const client = createClient({
      prediction: url,
      timeoutMs: 5_000,
      cache: false,
      batching: mode === "batched" ? { maxBatchSize: 128 } : false,
    });
    await client.warmup();
    // Warm-up round, then a timed run.
    await run(client, concurrency, 0.5);
    const before = client.metrics();
    const { calls, errors, hist } = await run(client, concurrency, seconds);
    const after = client.metrics();
    const batches = after.batching.batches - before.batching.batches;
    rows.push(
      `| ${mode} | ${fmt(calls / seconds)} | ${hist.quantileMs(0.5).toFixed(2)} ms | ${hist.quantileMs(0.99).toFixed(2)} ms | ${errors} | ${mode === "batched" ? (after.batching.items - before.batching.items) / Math.max(1, batches) : 1} |`,
    );
    await client.close();
  }
  console.log(`## micro-batching vs single calls: ${concurrency} concurrent callers, ${seconds} s each, distinct customers, cache off`);
  console.log(`(reference server in a child process on the same machine, gRPC over HTTP/2)\n`);
  console.log(`| mode | predictions/s | p50 | p99 | errors | mean batch size |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const r of rows) console.log(r);
  console.log("");
}

async function run(client: ReturnType<typeof createClient>, concurrency: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  const hist = new LatencyHistogram();
  let calls = 0;
  let errors = 0;
  let seq = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await client.prediction.predictLTV(request(`c-${w}-${seq++ % 1000}`, `r-${seq}`));
          calls++;
        } catch {
          errors++;
        }
        hist.recordMs(performance.now() - s);
      }
    }),
  );
  return { calls, errors, hist };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
