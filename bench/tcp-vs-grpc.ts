/**
 * Raw TCP transport vs gRPC (connect-node, HTTP/2) against the same reference
 * server, in one run.
 *
 * Build and run (Node 20 cannot run TypeScript directly):
 *
 *   npx esbuild bench/tcp-vs-grpc.ts --bundle --platform=node --format=esm \
 *     --outfile=.build/bench/tcp-vs-grpc.mjs --packages=external
 *   node .build/bench/tcp-vs-grpc.mjs [--seconds 3] [--method predict|query]
 *
 * The server (createServer + createTcpServer) runs in a child process (the
 * same file with `--serve`), so client and server have their own event loops.
 * Reported: p50/p99 latency at concurrency 1, and throughput (with p50/p99) at
 * concurrency 64, for
 *   - TCP, pipelining 1 (pool max 8) and pipelining 8 (pool max 8),
 *   - gRPC over HTTP/2 via @connectrpc/connect-node (one session),
 *   - a bare sequential socket client of the same framing (c=1 only): the floor.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as os from "node:os";
import { create } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { StorageService } from "../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionRequestSchema, SyncValueService } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer } from "../src/server/create-server.js";
import { createTcpServer } from "../src/server/tcp-server.js";
import { FrameDecoder } from "../src/tcp/frame-codec.js";
import { createTcpTransport, predictLtvTcpBinding, storageTcpBindings, type TcpTransport } from "../src/tcp/index.js";
import { connectNodeSocket } from "../src/tcp/socket/node-socket-node.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};

if (args.includes("--serve")) {
  const server = await createServer();
  const tcp = await createTcpServer({ prediction: server.prediction, storage: server.storage, health: server.health });
  await createClient(StorageService, createGrpcTransport({ baseUrl: server.url })).learnConcept({
    conceptId: "bench",
    content: "benchmark concept",
    embedding: [0.1, 0.2, 0.3, 0.4],
    strength: 1,
    confidence: 1,
  });
  console.log(`bench server http=${server.url} tcp=${tcp.url}`);
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = Number(arg("--seconds", "3"));
  const method = arg("--method", "predict");
  const child = spawn(process.execPath, [process.argv[1]!, "--serve"], { stdio: ["ignore", "pipe", "inherit"] });
  const ready = await new Promise<{ http: string; tcp: string }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /http=(\S+) tcp=(\S+)/.exec(out);
      if (m) resolve({ http: m[1]!, tcp: m[2]! });
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  try {
    const request = create(LTVPredictionRequestSchema, {
      requestId: "bench-1",
      customerId: "customer-42",
      platform: "meta",
      currentCac: 25,
      campaignId: "c",
      adGroupId: "g",
      eventHistory: Array.from({ length: 5 }, (_, i) => ({
        timestampMs: BigInt(Date.now() - i * 86_400_000),
        eventType: i % 2 ? "view" : "purchase",
        eventValue: 10 + i,
        source: "web",
      })),
    });
    const callWith = (transport: Transport): (() => Promise<unknown>) => {
      if (method === "query") {
        const storage = createClient(StorageService, transport);
        return () => storage.queryConcept({ conceptId: "bench" });
      }
      const prediction = createClient(SyncValueService, transport);
      return () => prediction.predictLTV(request);
    };
    const frame =
      method === "query"
        ? storageTcpBindings.find((b) => b.requestVariant === "QueryConcept")!.encodeRequest(
            create(StorageService.method.queryConcept.input, { conceptId: "bench" }),
          )
        : predictLtvTcpBinding.encodeRequest(request);

    const rows: Row[] = [];
    const tcp1 = createTcpTransport({ url: ready.tcp, connect: connectNodeSocket, pool: { min: 1, max: 8, pipelining: 1 } });
    const tcp8 = createTcpTransport({ url: ready.tcp, connect: connectNodeSocket, pool: { min: 1, max: 8, pipelining: 8 } });
    const grpc = createGrpcTransport({ baseUrl: ready.http });
    for (const [name, transport] of [
      ["tcp, pipelining 1", tcp1],
      ["tcp, pipelining 8", tcp8],
      ["grpc (connect-node, http/2)", grpc],
    ] as const) {
      if ("warmup" in transport) await (transport as TcpTransport).warmup();
      const call = callWith(transport);
      const c1 = await measure(call, 1, seconds);
      const c64 = await measure(call, 64, seconds);
      rows.push({ name, c1, c64 });
    }
    rows.push({ name: "bare socket, same framing (c=1)", c1: await measure(await bareSocket(ready.tcp, frame), 1, seconds), c64: undefined });
    await tcp1.close();
    await tcp8.close();

    const fmt = (n: number) => n.toFixed(n < 1 ? 3 : n < 10 ? 2 : 1);
    console.log(`\n${method === "query" ? "StorageService.QueryConcept" : "SyncValueService.PredictLTV (5 events)"}, ${seconds} s per cell`);
    console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, ${new Date().toISOString()}\n`);
    console.log("| client | c=1 p50 ms | c=1 p99 ms | c=1 req/s | c=64 p50 ms | c=64 p99 ms | c=64 req/s |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const r of rows) {
      const c64 = r.c64 ? `${fmt(r.c64.p50)} | ${fmt(r.c64.p99)} | ${Math.round(r.c64.rps)}` : "- | - | -";
      console.log(`| ${r.name} | ${fmt(r.c1.p50)} | ${fmt(r.c1.p99)} | ${Math.round(r.c1.rps)} | ${c64} |`);
    }
  } finally {
    child.kill("SIGKILL");
  }
}

interface Result {
  p50: number;
  p99: number;
  rps: number;
}
interface Row {
  name: string;
  c1: Result;
  c64: Result | undefined;
}

/** Runs `concurrency` loops of `call` for `seconds` (after a short warm-up), recording each latency. */
async function measure(call: () => Promise<unknown>, concurrency: number, seconds: number): Promise<Result> {
  const warmEnd = performance.now() + 300;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warmEnd) await call();
  }));
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { p50: q(0.5), p99: q(0.99), rps: latencies.length / elapsed };
}

/** A sequential client that writes one pre-encoded frame and waits for one answer frame: no pool, no decode. */
async function bareSocket(url: string, frame: Uint8Array): Promise<() => Promise<unknown>> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(url)!;
  const socket = net.connect({ host: m[1]!, port: Number(m[2]) });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once("connect", r));
  socket.unref();
  const decoder = new FrameDecoder();
  let waiting: ((f: Uint8Array) => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) waiting?.(f);
  });
  return () =>
    new Promise((resolve) => {
      waiting = resolve;
      socket.write(frame);
    });
}
