// The raw TCP client's pipelining depth against the near-free server, beside the minimal client (the floor):
// client CPU per call, p50 and p99, at each concurrency, in interleaved rounds in one process.
//
//   esbuild bench/tcp-pipelining.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=.build/bench/tcp-pipelining.mjs && node .build/bench/tcp-pipelining.mjs [--rounds N] [--cell-ms MS]
//
// What it answers: which `pool.pipelining` default costs least per call at c=64 without hurting p99 at c=1.
// Then the price of pipelining, head-of-line blocking: the same clients against a server of this file's own
// (`--serve-slow`, its own process) that answers in order and holds one answer in `--every` (default 100) for
// `--slow-ms` (default 5) ms, and with it every answer behind it on that connection, as a server that handles
// a connection's requests one after another does. Prints Markdown; writes nothing.
import * as net from "node:net";
import { cpus, loadavg } from "node:os";
import { create } from "@bufbuild/protobuf";
import { HealthResponseSchema, LTVPredictionResponseSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../src/model/baseline-ltv-model.js";
import { buildBenchBundles } from "./suite/bench-bundles.js";
import { createNearFreeAnswers } from "./suite/near-free-answers.js";
import { startServerProcess } from "./suite/reference-server-process.js";
import { runUnarySection, type UnarySectionResult } from "./suite/section-unary.js";
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
const every = arg("--every", 100);
const slowMs = arg("--slow-ms", 5);
const depths = [1, 4, 8, 16];
const factories = [minimalTcp, tcpWithPipelining(undefined), ...depths.map((d) => tcpWithPipelining(d))];

/**
 * The slow-answer server: near-free answers (the request's `request_id`
 * spliced into a fixed `PredictLTVOk`), in order per connection; one answer in
 * `every` (counted over all connections) and those queued behind it wait `slowMs`.
 */
async function serveSlow(): Promise<void> {
  const request = sampleRequest();
  const response = create(LTVPredictionResponseSchema, { ...predictBaselineLtv(request), timestampMs: request.timestampMs, inferenceTimeUs: 42n });
  const answers = createNearFreeAnswers(response, create(HealthResponseSchema, { isHealthy: true, modelVersion: response.modelVersion }));
  let answered = 0;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    let rest: Buffer | undefined;
    // Answers not yet written, each marked slow or not; written in order, a slow one after `slowMs`.
    const queue: { bytes: Uint8Array; slow: boolean }[] = [];
    let waiting = false;
    const flush = () => {
      const out: Uint8Array[] = [];
      while (queue.length > 0) {
        const next = queue[0]!;
        if (next.slow && !waiting) {
          waiting = true;
          setTimeout(() => {
            next.slow = false;
            waiting = false;
            flush();
          }, slowMs);
          break;
        }
        if (next.slow) break;
        out.push(queue.shift()!.bytes);
      }
      if (out.length > 0) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    };
    socket.on("data", (chunk: Buffer) => {
      const b = rest ? Buffer.concat([rest, chunk]) : chunk;
      rest = undefined;
      let at = 0;
      while (b.length - at >= 4 && b.length - at - 4 >= b.readUInt32BE(at)) {
        const length = b.readUInt32BE(at);
        const answer = answers.tcp(b.subarray(at + 4, at + 4 + length));
        if (answer === undefined) return void socket.destroy();
        queue.push({ bytes: answer, slow: every > 0 && ++answered % every === 0 });
        at += 4 + length;
      }
      if (at < b.length) rest = b.subarray(at);
      if (!waiting) flush();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  // The ready line startServerProcess waits for (there is no HTTP side).
  console.log(`listening http=http://127.0.0.1:0 tcp=tcp://127.0.0.1:${port}`);
}

if (args.includes("--serve-slow")) {
  await serveSlow();
} else {
  await measure();
}

async function measure(): Promise<void> {
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

  const slow = await startServerProcess("slow-answer server", [process.argv[1]!, "--serve-slow", "--every", String(every), "--slow-ms", String(slowMs)]);
  let held: UnarySectionResult;
  try {
    held = await runUnarySection({
      factories: [minimalTcp, ...depths.map((d) => tcpWithPipelining(d))],
      target: { httpUrl: slow.httpUrl, tcpUrl: slow.tcpUrl, request: sampleRequest(), deadlineMs: 10_000 },
      concurrencies: [1, 64],
      rounds,
      cellMs,
      warmupMs: 150,
      log,
    });
  } finally {
    await slow.stop();
  }
  const heldCell = (id: string, c: number) => held.cells.find((x) => x.contender === id && x.concurrency === c);
  console.log("");
  console.log(`Head-of-line blocking: one answer in ${every} held ${slowMs} ms, with the answers behind it on its connection; load ${loadavg().map((l) => l.toFixed(2)).join(" / ")} at end`);
  console.log("");
  console.log("| client | c | p50 µs | p99 µs | calls/s | p99 vs pipelining 1 |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const c of held.concurrencies) {
    const off = heldCell("tcp-p1", c);
    for (const k of held.contenders) {
      const x = heldCell(k.id, c);
      if (!x) continue;
      console.log(`| ${k.name} | ${c} | ${x.p50Us.toFixed(0)} | ${x.p99Us.toFixed(0)} | ${Math.round(x.callsPerSecond)} | ${r(x.p99Us, off?.p99Us)} |${x.errors > 0 ? ` ${x.errors} errors: ${x.firstError}` : ""}`);
    }
  }
}
