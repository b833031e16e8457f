// The raw TCP client's pipelining depth against the near-free server, beside the minimal client (the floor):
// client CPU per call, p50 and p99, at each concurrency, in interleaved rounds in one process.
//
//   esbuild bench/tcp-pipelining.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=.build/bench/tcp-pipelining.mjs && node .build/bench/tcp-pipelining.mjs [--rounds N] [--cell-ms MS]
//
// What it answers: which `pool.pipelining` default costs least per call at c=64 without hurting p99 at c=1
// (a slow answer delays those pipelined behind it). Prints Markdown; writes nothing.
import { cpus, loadavg } from "node:os";
import { buildBenchBundles } from "./suite/bench-bundles.js";
import { minimalTcp } from "./suite/contenders/minimal-tcp-contender.js";
import { wirePathOnly } from "./suite/contenders/syncvalue-contenders.js";
import type { ContenderFactory } from "./suite/contenders/unary-contender.js";
import { runNearFreeSection } from "./suite/section-near-free.js";
import { sampleRequest } from "./suite/sample-request.js";
import { createClient } from "../src/node/create-client-node.js";

function tcpWithPipelining(pipelining: number | undefined): ContenderFactory {
  const id = pipelining === undefined ? "tcp-default" : `tcp-p${pipelining}`;
  const name = pipelining === undefined ? "syncvalue TCP (defaults)" : `syncvalue TCP (pipelining ${pipelining})`;
  return async (target) => {
    const pool = pipelining === undefined ? undefined : { pipelining };
    const client = createClient({ prediction: { url: target.tcpUrl, tcp: { pool } }, timeoutMs: target.deadlineMs, ...wirePathOnly });
    await client.warmup();
    const { request } = target;
    return { id, name, call: () => client.prediction.predictLTV(request), close: () => client.close() };
  };
}

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = arg("--rounds", 3);
const cellMs = arg("--cell-ms", 400);
const depths = [1, 4, 8, 16];
const factories = [minimalTcp, tcpWithPipelining(undefined), ...depths.map((d) => tcpWithPipelining(d))];

const started = performance.now();
const log = (line: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const loadStart = loadavg();
const bundles = await buildBenchBundles(".build/bench");
const result = await runNearFreeSection({
  serverBundle: bundles.nearFree,
  request: sampleRequest(),
  deadlineMs: 10_000,
  concurrencies: [1, 16, 64],
  rounds,
  cellMs,
  warmupMs: 150,
  log,
  factories,
});
const loadEnd = loadavg();
const cell = (id: string, c: number) => result.cells.find((x) => x.contender === id && x.concurrency === c);
const r = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}x`);
console.log(`machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}; load ${loadStart.map((l) => l.toFixed(2)).join(" / ")} at start, ${loadEnd.map((l) => l.toFixed(2)).join(" / ")} at end`);
console.log(`${rounds} interleaved rounds of ${cellMs} ms per cell, medians of the rounds; deadline 10 s on every SDK call`);
console.log("");
console.log("| client | c | p50 µs | p99 µs | calls/s | CPU µs/call | CPU vs floor | p50 vs floor | p99 vs floor |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const c of result.concurrencies) {
  const floor = cell("minimal", c);
  for (const k of result.contenders) {
    const x = cell(k.id, c);
    if (!x) continue;
    console.log(
      `| ${k.name} | ${c} | ${x.p50Us.toFixed(0)} | ${x.p99Us.toFixed(0)} | ${Math.round(x.callsPerSecond)} | ${x.cpuUsPerCall.toFixed(1)} | ${r(x.cpuUsPerCall, floor?.cpuUsPerCall)} | ${r(x.p50Us, floor?.p50Us)} | ${r(x.p99Us, floor?.p99Us)} |${x.errors > 0 ? ` ${x.errors} errors: ${x.firstError}` : ""}`,
    );
  }
}
