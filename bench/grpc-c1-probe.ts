/**
 * gRPC at concurrency 1 against the near-free server: syncvalue's client with
 * default options (cache off) against `@grpc/grpc-js`, the two contenders of
 * issue 17's c=1 target, in many short interleaved rounds (order alternating),
 * and what each puts on the wire per call.
 *
 *   npx esbuild bench/grpc-c1-probe.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=.build/bench/grpc-c1-probe.mjs
 *   node .build/bench/grpc-c1-probe.mjs [--rounds 20] [--cell-ms 300] [--wire-calls 200] [--more]
 *
 * Latency: per round and contender, a warm-up then a closed loop of one
 * caller for `--cell-ms`; printed are the medians over rounds of p50, p99,
 * calls/s and client CPU per call, with the load average at start and end.
 * Wire: each contender through a loopback proxy that parses HTTP/2 frames
 * (`--wire-calls` sequential calls after 50 unmeasured ones): reads per call
 * each way (with the proxy's Nagle off, about one per write of the peer on an
 * idle loopback) and frames per call by type.
 */
import { loadavg } from "node:os";
import * as net from "node:net";
import { closedLoop, type LoopResult } from "./suite/closed-loop.js";
import { buildBenchBundles } from "./suite/bench-bundles.js";
import * as http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { LTVPredictionRequestSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { leanGrpcConnectClient } from "./suite/contenders/connect-client-contenders.js";
import { grpcJs } from "./suite/contenders/grpc-js-contender.js";
import { syncvalueGrpcDefaults } from "./suite/contenders/syncvalue-contenders.js";
import type { ContenderFactory, ContenderTarget } from "./suite/contenders/unary-contender.js";
import { processCpuMicros } from "./suite/process-cpu-time.js";
import { median } from "./suite/quantiles.js";
import { startServerProcess } from "./suite/reference-server-process.js";
import { sampleRequest } from "./suite/sample-request.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = arg("--rounds", 20);
const cellMs = arg("--cell-ms", 300);
const wireCalls = arg("--wire-calls", 200);
/**
 * node:http2 alone, the floor of any gRPC client on Node: one session, the
 * request pre-encoded, the response's bytes collected and its status checked,
 * not decoded, no deadline.
 */
const rawHttp2: ContenderFactory = async (target) => {
  const session = http2.connect(target.httpUrl);
  await new Promise<void>((resolve, reject) => session.once("connect", () => resolve()).once("error", reject));
  const message = toBinary(LTVPredictionRequestSchema, target.request);
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  const headers = { ":method": "POST", ":path": "/syncvalue.v1.SyncValueService/PredictLTV", "content-type": "application/grpc+proto", te: "trailers" };
  const call = () =>
    new Promise<unknown>((resolve, reject) => {
      const stream = session.request(headers);
      const chunks: Buffer[] = [];
      let status: unknown;
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("trailers", (t) => (status = t["grpc-status"]));
      stream.on("error", reject);
      stream.on("close", () => (status === "0" ? resolve(Buffer.concat(chunks)) : reject(new Error(`grpc-status ${String(status)}`))));
      stream.end(frame);
    });
  await call();
  return { id: "raw-h2", name: "node:http2 alone", call, close: async () => void session.close() };
};

// The first two are compared (ratio, wire counts); `--more` adds the floor and the lean path under a Connect client.
const allFactories: ContenderFactory[] = [syncvalueGrpcDefaults, grpcJs, ...(args.includes("--more") ? [rawHttp2, leanGrpcConnectClient] : [])];
// `--only 0` or `--only 1`: one contender (e.g. under --cpu-prof), no ratio and no wire counts.
const only = args.includes("--only") ? arg("--only", 0) : undefined;
const factories = only === undefined ? allFactories : [allFactories[only]!];

const frameTypes = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];

/** Counts one direction of the HTTP/2 connections through a proxy: reads, and frames by type (the client's preface skipped). */
class FrameCounter {
  reads = 0;
  bytes = 0;
  readonly frames = new Map<string, number>();
  constructor(private readonly preface: boolean) {}
  /** A parser for one connection, counting into this. */
  connection(): (chunk: Buffer) => void {
    let pending = Buffer.alloc(0);
    let prefaceLeft = this.preface ? 24 : 0;
    return (chunk) => {
      this.reads++;
      this.bytes += chunk.byteLength;
      let b = Buffer.concat([pending, chunk]);
      if (prefaceLeft > 0) {
        const skip = Math.min(prefaceLeft, b.byteLength);
        prefaceLeft -= skip;
        b = b.subarray(skip);
      }
      while (b.byteLength >= 9) {
        const length = b.readUIntBE(0, 3);
        if (b.byteLength < 9 + length) break;
        const type = frameTypes[b[3]!] ?? `type ${b[3]}`;
        const flags = b[4]!;
        const name = type === "DATA" || type === "HEADERS" ? `${type}${flags & 1 ? "+END_STREAM" : ""}` : type;
        this.frames.set(name, (this.frames.get(name) ?? 0) + 1);
        b = b.subarray(9 + length);
      }
      pending = Buffer.from(b);
    };
  }
  reset(): void {
    this.reads = 0;
    this.bytes = 0;
    this.frames.clear();
  }
  describe(calls: number): string {
    const per = (n: number) => (n / calls).toFixed(2);
    const frames = [...this.frames].sort().map(([k, v]) => `${k} ${per(v)}`);
    return `${per(this.reads)} reads, ${per(this.bytes)} bytes; frames: ${frames.join(", ")}`;
  }
}

async function startFrameProxy(host: string, port: number) {
  const up = new FrameCounter(true);
  const down = new FrameCounter(false);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host, port });
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const countUp = up.connection();
    const countDown = down.connection();
    client.on("data", (c: Buffer) => {
      countUp(c);
      upstream.write(c);
    });
    upstream.on("data", (c: Buffer) => {
      countDown(c);
      client.write(c);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    up,
    down,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function main(): Promise<void> {
  const { nearFree } = await buildBenchBundles(".build/bench");
  const server = await startServerProcess("near-free server", [nearFree]);
  const target: ContenderTarget = { httpUrl: server.httpUrl, tcpUrl: server.tcpUrl, request: sampleRequest(), deadlineMs: 10_000 };
  const load0 = loadavg();
  try {
    const contenders = [];
    for (const f of factories) contenders.push(await f(target));
    const samples = new Map<string, LoopResult[]>(contenders.map((c) => [c.id, []]));
    for (let round = 0; round < rounds; round++) {
      const shift = round % contenders.length;
      const rotated = [...contenders.slice(shift), ...contenders.slice(0, shift)];
      const order = round % 2 === 0 ? rotated : rotated.reverse();
      for (const c of order) {
        samples.get(c.id)!.push(await closedLoop(c.call, { concurrency: 1, durationMs: cellMs, warmupMs: 100, serverCpuMicros: () => processCpuMicros(server.pid) }));
      }
    }
    const load1 = loadavg();
    console.log(`c=1, ${rounds} rounds of ${cellMs} ms; load ${load0.map((x) => x.toFixed(2)).join(" ")} -> ${load1.map((x) => x.toFixed(2)).join(" ")}`);
    const row = (id: string) => {
      const list = samples.get(id)!;
      const m = (f: (r: LoopResult) => number) => median(list.map(f));
      return { id, cps: m((r) => r.callsPerSecond), p50: m((r) => r.p50Us), p99: m((r) => r.p99Us), cpu: m((r) => r.cpuUsPerCall), srv: m((r) => r.serverCpuUsPerCall), min: Math.min(...list.map((r) => r.callsPerSecond)), max: Math.max(...list.map((r) => r.callsPerSecond)) };
    };
    const rows = contenders.map((c) => row(c.id));
    for (const r of rows) {
      console.log(`${r.id.padEnd(8)} ${r.cps.toFixed(0).padStart(6)}/s (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)})  p50 ${r.p50.toFixed(0)} us  p99 ${r.p99.toFixed(0)} us  client CPU ${r.cpu.toFixed(1)} us/call  server ${r.srv.toFixed(1)} us/call`);
    }
    if (contenders.length < 2) {
      await Promise.all(contenders.map((c) => c.close()));
      return;
    }
    // Per-round ratio, then its median: each round's two cells are close in time.
    const ours = samples.get(contenders[0]!.id)!;
    const theirs = samples.get(contenders[1]!.id)!;
    const ratios = ours.map((r, i) => r.callsPerSecond / theirs[i]!.callsPerSecond).sort((a, b) => a - b);
    console.log(`throughput ratio ${contenders[0]!.id}/${contenders[1]!.id}: ${(rows[0]!.cps / rows[1]!.cps).toFixed(2)} (of the medians), per-round median ${median(ratios).toFixed(2)}, min ${ratios[0]!.toFixed(2)}, max ${ratios.at(-1)!.toFixed(2)}`);
    await Promise.all(contenders.map((c) => c.close()));

    if (wireCalls > 0) {
      const url = new URL(server.httpUrl);
      for (const f of factories.slice(0, 2)) {
        const proxy = await startFrameProxy(url.hostname, Number(url.port));
        const c = await f({ ...target, httpUrl: `http://${proxy.address}` });
        for (let i = 0; i < 50; i++) await c.call();
        await new Promise((r) => setTimeout(r, 50));
        proxy.up.reset();
        proxy.down.reset();
        for (let i = 0; i < wireCalls; i++) await c.call();
        await new Promise((r) => setTimeout(r, 50));
        console.log(`${c.id} client->server: ${proxy.up.describe(wireCalls)}`);
        console.log(`${c.id} server->client: ${proxy.down.describe(wireCalls)}`);
        await c.close();
        await proxy.close();
      }
    }
  } finally {
    await server.stop();
  }
}

await main();
