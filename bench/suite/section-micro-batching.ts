import { createClient } from "../../src/node/create-client-node.js";
import { closedLoop, type LoopResult } from "./closed-loop.js";
import { wirePathOnly } from "./contenders/syncvalue-contenders.js";
import { median } from "./quantiles.js";
import { sampleRequest } from "./sample-request.js";

export interface MicroBatchingRow {
  transport: "tcp" | "grpc";
  mode: "single" | "batched";
  callsPerSecond: number;
  p50Us: number;
  p99Us: number;
  /** Mean predictions per `PredictLTVBatch` (1 for single calls). */
  meanBatchSize: number;
  errors: number;
}

export interface MicroBatchingResult {
  concurrency: number;
  rounds: number;
  cellMs: number;
  rows: MicroBatchingRow[];
}

/**
 * Micro-batching against single calls at high concurrency: `concurrency`
 * callers asking for distinct customers (cache off), each call a `PredictLTV`,
 * or `batching: { maxBatchSize: 128 }` turning the calls of one tick into one
 * `PredictLTVBatch`. Over raw TCP (pool 8, pipelining 8) and gRPC, in rounds.
 */
export async function runMicroBatchingSection(
  urls: { tcpUrl: string; httpUrl: string },
  options: { concurrency: number; rounds: number; cellMs: number; warmupMs: number; deadlineMs: number; log: (line: string) => void },
): Promise<MicroBatchingResult> {
  const requests = Array.from({ length: 1024 }, (_, i) => sampleRequest(`customer-${i}`, `batch-${i}`));
  const setups = (["tcp", "grpc"] as const).flatMap((transport) =>
    (["single", "batched"] as const).map((mode) => ({ transport, mode })),
  );
  const clients = setups.map(({ transport, mode }) =>
    createClient({
      prediction: transport === "tcp" ? { url: urls.tcpUrl, tcp: { pool: { min: 1, max: 8, pipelining: 8 } } } : urls.httpUrl,
      timeoutMs: options.deadlineMs,
      ...wirePathOnly,
      batching: mode === "batched" ? { maxBatchSize: 128 } : false,
    }),
  );
  try {
    await Promise.all(clients.map((c) => c.warmup()));
    const samples = setups.map(() => [] as { loop: LoopResult; batches: number; items: number }[]);
    for (let round = 0; round < options.rounds; round++) {
      const line: string[] = [];
      for (let k = 0; k < setups.length; k++) {
        const i = (k + round) % setups.length;
        const client = clients[i]!;
        let next = 0;
        const call = () => client.prediction.predictLTV(requests[next++ & 1023]!);
        const before = client.metrics().batching;
        const loop = await closedLoop(call, { concurrency: options.concurrency, durationMs: options.cellMs, warmupMs: options.warmupMs });
        const after = client.metrics().batching;
        samples[i]!.push({ loop, batches: after.batches - before.batches, items: after.items - before.items });
        line.push(`${setups[i]!.transport}/${setups[i]!.mode} ${Math.round(loop.callsPerSecond)}/s`);
      }
      options.log(`  micro-batching round ${round + 1}/${options.rounds}, c=${options.concurrency}: ${line.join(", ")}`);
    }
    return {
      concurrency: options.concurrency,
      rounds: options.rounds,
      cellMs: options.cellMs,
      rows: setups.map((s, i) => {
        const list = samples[i]!;
        const batches = list.reduce((a, r) => a + r.batches, 0);
        const items = list.reduce((a, r) => a + r.items, 0);
        return {
          ...s,
          callsPerSecond: median(list.map((r) => r.loop.callsPerSecond)),
          p50Us: median(list.map((r) => r.loop.p50Us)),
          p99Us: median(list.map((r) => r.loop.p99Us)),
          meanBatchSize: s.mode === "batched" && batches > 0 ? items / batches : 1,
          errors: list.reduce((a, r) => a + r.loop.errors, 0),
        };
      }),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
