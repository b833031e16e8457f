// `npm run bench:shared-cache`: when does the shared prediction cache (L2,
// Redis) pay? One process: a reference server whose model takes a set
// inference time, a local redis-server, and clients whose own cache (L1)
// always misses. Per inference time, interleaved in rounds: a call to the
// service alone, an L2 hit, and an L2 miss (lookup, then the service). The
// L2 pays when hitRate x (service - hit) > (1 - hitRate) x (miss - service):
// the break-even hit rate is (miss - service) / (miss - hit).
// `--calls N` per kind and inference time (default 300).
import { create } from "@bufbuild/protobuf";
import { cpus, loadavg } from "node:os";
import { Redis } from "ioredis";
import { LTVPredictionRequestSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createRedisPredictionCache, fromIoredis } from "../src/fleet/index.js";
import { predictBaselineLtv } from "../src/model/baseline-ltv-model.js";
import { createClient } from "../src/node/create-client-node.js";
import { createServer } from "../src/server/index.js";
import { startRedisServer } from "../test/support/redis-server.js";

const args = process.argv.slice(2);
const calls = args.includes("--calls") ? Number(args[args.indexOf("--calls") + 1]) : 300;
const inferenceTimesMs = [0, 2, 10];
const loadAtStart = loadavg();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let inferenceMs = 0;
const server = await createServer({
  model: async (req) => {
    if (inferenceMs > 0) await sleep(inferenceMs);
    return predictBaselineLtv(req);
  },
});
const redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
let serial = 0;
const request = (customerId: string) =>
  create(LTVPredictionRequestSchema, {
    requestId: `r${serial++}`,
    customerId,
    platform: "meta",
    campaignId: "c1",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 80, source: "web" }],
  });
const clientWith = (shared: ReturnType<typeof createRedisPredictionCache> | undefined) =>
  createClient({ prediction: server.url, timeoutMs: 2_000, retry: false, hedging: false, cache: { ttlMs: 600_000, shared, sharedTimeoutMs: 50 } });
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

try {
  const shared = createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: `bench:${Date.now().toString(36)}` });
  const plain = clientWith(undefined);
  const writer = clientWith(shared);
  const rows: string[] = [];
  // Warm-up: connections, script caches, JIT.
  for (let i = 0; i < 50; i++) {
    await plain.prediction.predictLTV(request(`warm${i}`));
    await writer.prediction.predictLTV(request(`warm${i}`));
  }
  // The Redis round trip alone, for reference.
  const rtt: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await redis.mget(`bench:none:${i}`);
    rtt.push(performance.now() - t0);
  }
  for (const ms of inferenceTimesMs) {
    inferenceMs = ms;
    const times = { service: [] as number[], hit: [] as number[], miss: [] as number[] };
    // Seed the L2 with the keys the hit rounds will ask (through another client).
    const seeded = Array.from({ length: calls }, (_, i) => `hit-${ms}-${i}`);
    // Writes are not waited on and at most 64 are in flight (more are dropped): seed in small steps.
    for (let i = 0; i < seeded.length; i++) {
      await writer.prediction.predictLTV(request(seeded[i]!));
      if (i % 16 === 15) await sleep(20);
    }
    await sleep(200);
    let hits = 0;
    let lookups = 0;
    const rounds = 10;
    const per = Math.ceil(calls / rounds);
    for (let r = 0; r < rounds; r++) {
      // Fresh clients per round, alike but for the shared cache (every call is an L1 miss).
      const reader = clientWith(shared);
      const alone = clientWith(undefined);
      for (let i = r * per; i < Math.min(calls, (r + 1) * per); i++) {
        let t0 = performance.now();
        await alone.prediction.predictLTV(request(`svc-${ms}-${i}`));
        times.service.push(performance.now() - t0);
        t0 = performance.now();
        await reader.prediction.predictLTV(request(seeded[i]!));
        times.hit.push(performance.now() - t0);
        t0 = performance.now();
        await reader.prediction.predictLTV(request(`miss-${ms}-${i}`));
        times.miss.push(performance.now() - t0);
      }
      const m = reader.metrics().cache.shared;
      hits += m.hits;
      lookups += m.hits + m.misses + m.timeouts + m.errors;
      if (m.timeouts + m.errors > 0) console.log(`  ${ms} ms, round ${r}: ${m.timeouts} timeouts, ${m.errors} errors`);
      reader.close();
      alone.close();
    }
    const p50 = { service: quantile(times.service, 0.5), hit: quantile(times.hit, 0.5), miss: quantile(times.miss, 0.5) };
    const breakEven = (p50.miss - p50.service) / (p50.miss - p50.hit);
    const cell = (xs: number[]) => `${quantile(xs, 0.5).toFixed(2)} / ${quantile(xs, 0.99).toFixed(2)}`;
    rows.push(
      `| ${ms} ms | ${cell(times.service)} | ${cell(times.hit)} | ${cell(times.miss)} | ${(100 * Math.max(0, breakEven)).toFixed(0)}% | ${hits} of ${lookups / 2} |`,
    );
  }
  console.log(`shared prediction cache, ${calls} calls per kind and inference time, interleaved (p50 / p99 ms):`);
  console.log("| model inference | service alone | L2 hit | L2 miss, then service | L2 pays above hit rate | seeded keys found |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log(`Redis MGET round trip alone: p50 ${quantile(rtt, 0.5).toFixed(3)} ms, p99 ${quantile(rtt, 0.99).toFixed(3)} ms`);
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; load average (1/5/15 min) at start ${loadAtStart.map((x) => x.toFixed(1)).join(" / ")}, at end ${loadavg().map((x) => x.toFixed(1)).join(" / ")}`,
  );
  plain.close();
  writer.close();
} finally {
  redis.disconnect();
  await server.close();
  await redisServer.close();
}
