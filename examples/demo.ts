/**
 * The demo behind `npm start`: a reference server in this process and a
 * bidding workload against it through the SDK, as a bidder would run it.
 * A few thousand synthetic customers across the seven platforms get single
 * and batched predictions, the model's health is read, concepts are learned
 * and searched, and each prediction is turned into a bid. It prints progress
 * and ends with a short summary.
 */
import { createClient, PredictionStatus, type LTVPredictionResponse } from "syncvalue";
import { createServer } from "syncvalue/server";
import { bidsFor } from "./demo-bids.js";
import { syntheticCustomers } from "./synthetic-customers.js";

const CUSTOMERS = Number(process.env.DEMO_CUSTOMERS ?? 3000);
const CONCURRENCY = 32;
const BATCH_SIZE = 50;
// Generous, so a busy laptop still finishes: a bidder in an auction would use tens of ms (and the cache).
const TIMEOUT_MS = 2_000;

const latencies = new Map<string, number[]>();
function timed<T>(kind: string, call: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  return call().finally(() => {
    let list = latencies.get(kind);
    if (!list) latencies.set(kind, (list = []));
    list.push(performance.now() - t0);
  });
}

function progress(label: string, done: number, total: number) {
  const step = Math.max(1, Math.floor(total / 5));
  if (done % step === 0 || done === total) console.log(`  ${label}: ${done}/${total}`);
}

async function main() {
  const server = await createServer({ host: "127.0.0.1", port: 0, tcp: true });
  console.log(`reference server on ${server.url} (Connect, gRPC, gRPC-web) and ${server.tcpUrl} (raw TCP); client deadline ${TIMEOUT_MS} ms a call`);
  // The same SDK over both bindings: gRPC over HTTP/2, and raw TCP (pooled, pipelined).
  const client = createClient({ prediction: server.url, storage: server.url, timeoutMs: TIMEOUT_MS });
  const tcpClient = createClient({
    prediction: { url: server.tcpUrl!, tcp: { pool: { min: 2, max: 8, pipelining: 4 } } },
    storage: server.tcpUrl!,
    timeoutMs: TIMEOUT_MS,
  });
  try {
    await Promise.all([client.warmup(), tcpClient.warmup()]);
    const customers = syntheticCustomers(CUSTOMERS, 20261122);
    const singles = customers.slice(0, Math.floor(customers.length * 0.6));
    const batched = customers.slice(singles.length);
    const predictions: LTVPredictionResponse[] = [];

    console.log(`1/4 single predictions for ${singles.length} customers (${CONCURRENCY} in flight), half over gRPC, half over TCP`);
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < singles.length) {
          const i = next++;
          const request = singles[i]!;
          const [kind, c] = i % 2 === 0 ? ["predictLTV (gRPC)", client] : ["predictLTV (TCP)", tcpClient];
          predictions.push(await timed(kind, () => c.prediction.predictLTV(request)));
          progress("predicted", ++done, singles.length);
        }
      }),
    );

    console.log(`2/4 batched predictions for ${batched.length} customers (${BATCH_SIZE} a batch)`);
    for (let i = 0; i < batched.length; i += BATCH_SIZE) {
      const requests = batched.slice(i, i + BATCH_SIZE);
      const batch = await timed("predictLTVBatch (gRPC)", () => client.prediction.predictLTVBatch({ requests }));
      predictions.push(...batch.responses);
      progress("batched", Math.min(i + BATCH_SIZE, batched.length), batched.length);
    }

    console.log("3/4 model health");
    const health = await timed("getModelHealth (gRPC)", () => client.prediction.getModelHealth({ includeMetrics: true }));

    console.log("4/4 concepts over TCP: learn, associate, search, stats");
    const learned = customers.slice(0, 300);
    for (const [i, c] of learned.entries()) {
      const p = predictions.find((r) => r.requestId === c.requestId)!;
      await timed("learnConcept (TCP)", () =>
        tcpClient.storage.learnConcept({
          conceptId: `customer:${c.customerId}`,
          content: `${c.platform} customer, predicted LTV ${p.predictedLtv.toFixed(2)}`,
          embedding: embeddingOf(p),
          strength: 1,
          confidence: p.confidence,
        }),
      );
      await timed("learnAssociation (TCP)", () =>
        tcpClient.storage.learnAssociation({ sourceId: `customer:${c.customerId}`, targetId: `platform:${c.platform}`, assocType: 1, confidence: 1 }),
      );
      progress("learned", i + 1, learned.length);
    }
    const probe = predictions[0]!;
    const similar = await timed("vectorSearch (TCP)", () => tcpClient.storage.vectorSearch({ queryVector: embeddingOf(probe), k: 5, efSearch: 32 }));
    const stats = await timed("getStats (gRPC)", () => client.storage.getStats({}));

    summarise(predictions, customers, health, similar.results.length, stats);
  } finally {
    await Promise.all([client.close(), tcpClient.close()]);
    await server.close();
  }
}

/** A small, deterministic embedding of a prediction, for the vector search. */
function embeddingOf(p: LTVPredictionResponse): number[] {
  const v = [Math.log1p(p.predictedLtv), p.confidence, Math.log1p(p.ltvUpperBound - p.ltvLowerBound), p.topFeatures.length];
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarise(
  predictions: LTVPredictionResponse[],
  customers: ReturnType<typeof syntheticCustomers>,
  health: { isHealthy: boolean; modelVersion: string; predictionsToday: bigint; p99LatencyMs: number },
  similarFound: number,
  stats: { concepts: bigint; edges: bigint },
) {
  const platformOf = new Map(customers.map((c) => [c.requestId, c.platform]));
  const byPlatform = new Map<string, number[]>();
  for (const p of predictions) {
    const platform = platformOf.get(p.requestId)!;
    if (!byPlatform.has(platform)) byPlatform.set(platform, []);
    byPlatform.get(platform)!.push(p.predictedLtv);
  }
  const statuses = new Map<string, number>();
  for (const p of predictions) statuses.set(PredictionStatus[p.status], (statuses.get(PredictionStatus[p.status]) ?? 0) + 1);

  console.log("\n== summary");
  console.log(`predictions: ${predictions.length} (${[...statuses].map(([s, n]) => `${s} ${n}`).join(", ")})`);
  console.log(`model ${health.modelVersion}, healthy ${health.isHealthy}, ${health.predictionsToday} predictions today, server p99 ${health.p99LatencyMs.toFixed(2)} ms`);
  console.log(`concepts ${stats.concepts}, edges ${stats.edges}, vector search found ${similarFound}`);
  console.log("\npredicted LTV by platform        n     mean      p50");
  for (const [platform, values] of [...byPlatform].sort()) {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    console.log(`  ${platform.padEnd(28)} ${String(values.length).padStart(5)} ${mean.toFixed(2).padStart(8)} ${percentile(sorted, 0.5).toFixed(2).padStart(8)}`);
  }
  // Single predictions run CONCURRENCY at a time against an in-process server sharing this event loop, so
  // their latency includes waiting for the loop; each call's deadline is TIMEOUT_MS.
  console.log(`\nclient latency (ms; ${CONCURRENCY} single calls in flight, server in this process, deadline ${TIMEOUT_MS} ms)`);
  console.log("                                  n      p50      p99");
  for (const [kind, values] of latencies) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`  ${kind.padEnd(28)} ${String(values.length).padStart(5)} ${percentile(sorted, 0.5).toFixed(3).padStart(8)} ${percentile(sorted, 0.99).toFixed(3).padStart(8)}`);
  }
  console.log("");
  bidsFor(predictions, platformOf);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error("demo failed:", err);
    process.exit(1);
  },
);
