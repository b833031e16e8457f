// The benchmark suite (bench/run-benchmarks.ts) run end to end with a minimal
// budget (--smoke) against a real reference server, so it cannot silently rot.
// It checks that every section produced figures and that the wire bytes agree
// with the encoders; it never asserts speed.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchmarkResults, NearFreeRunResults } from "../../bench/suite/benchmark-results.js";
import { bundleForNode } from "../support/bundle-for-node.js";

const root = new URL("../..", import.meta.url).pathname;
let out: string;
let script: string;
let stdout = "";
let results: BenchmarkResults;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "syncvalue-bench-smoke-"));
  script = await bundleForNode(join(root, "bench/run-benchmarks.ts"), join(root, ".build/test/bench-smoke/run-benchmarks.mjs"));
  stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script, "--smoke", "--out", out], { cwd: root, timeout: 120_000, killSignal: "SIGKILL", maxBuffer: 8 << 20 }, (err, so, se) =>
      err ? reject(new Error(`${err.message}\n${so}\n${se}`)) : resolve(so),
    );
  });
  results = JSON.parse(readFileSync(join(out, "benchmarks.json"), "utf8")) as BenchmarkResults;
}, 150_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("benchmark suite, smoke run", () => {
  it("measures every client at every concurrency it takes part in, without errors", () => {
    const ids = results.unary.contenders.map((c) => c.id);
    expect(ids).toEqual(["minimal", "tcp-p1", "tcp-p8", "grpc", "grpc-js", "connect-json"]);
    for (const c of results.unary.contenders) {
      for (const level of results.unary.concurrencies) {
        const cell = results.unary.cells.find((x) => x.contender === c.id && x.concurrency === level);
        if (c.sequentialOnly && level > 1) {
          expect(cell).toBeUndefined();
          continue;
        }
        expect(cell, `${c.id} at c=${level}`).toBeDefined();
        expect(cell!.calls).toBeGreaterThan(0);
        expect(cell!.errors, cell!.firstError).toBe(0);
        expect(cell!.p50Us).toBeLessThanOrEqual(cell!.p99Us);
      }
    }
  });

  it("measures every client against the near-free server, with GC counts and event loop delay", () => {
    const nf = results.nearFree!;
    expect(nf.contenders.map((c) => c.id)).toEqual(["minimal", "bare", "tcp", "grpc", "grpc-js", "lean-grpc", "connect-node-grpc", "fetch", "connect-web", "connect-json"]);
    for (const c of nf.contenders) {
      for (const level of nf.concurrencies) {
        const cell = nf.cells.find((x) => x.contender === c.id && x.concurrency === level);
        if (c.sequentialOnly && level > 1) {
          expect(cell).toBeUndefined();
          continue;
        }
        expect(cell, `${c.id} at c=${level}`).toBeDefined();
        expect(cell!.calls).toBeGreaterThan(0);
        expect(cell!.errors, cell!.firstError).toBe(0);
        expect(cell!.gcsPerKCall).toBeGreaterThanOrEqual(0);
        expect(cell!.loopDelayP99Us).toBeGreaterThanOrEqual(0);
        expect(cell!.serverCpuUsPerCall).toBeGreaterThan(0);
      }
    }
    // At c=1 each cell ran in slices taken in turn (counted together), and the report says so.
    expect(nf.slicesAtConcurrency1).toBe(2);
    const report = readFileSync(join(out, "BENCHMARKS.md"), "utf8");
    expect(report).toContain("at concurrency 1 each cell in 2 slices of 50 ms");
    expect(report).toContain("## Against a near-free server");
    expect(report).toContain("### Lean gRPC path against connect-node's transport");
    expect(report).toContain("near-free, TCP: p50 at c=1 at most 1.3x");
  });

  it("runs the near-free section alone with --only near-free", async () => {
    const only = join(out, "only");
    const printed = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script, "--only", "near-free", "--smoke", "--out", only], { cwd: root, timeout: 120_000, killSignal: "SIGKILL", maxBuffer: 8 << 20 }, (err, so, se) =>
        err ? reject(new Error(`${err.message}\n${so}\n${se}`)) : resolve(so),
      );
    });
    const run = JSON.parse(readFileSync(join(only, "near-free.json"), "utf8")) as NearFreeRunResults;
    expect(run.nearFree.contenders.map((c) => c.id)).toEqual(results.nearFree!.contenders.map((c) => c.id));
    for (const cell of run.nearFree.cells) expect(cell.errors, cell.firstError).toBe(0);
    expect(readFileSync(join(only, "near-free.md"), "utf8")).toContain("## Against a near-free server");
    expect(printed).toContain("## Targets");
    // Nothing else ran: no full report.
    expect(existsSync(join(only, "BENCHMARKS.md"))).toBe(false);
  }, 150_000);

  it("counts exactly the TCP request frame on the wire, and fewer protobuf bytes than JSON", () => {
    const wire = new Map(results.wire.map((w) => [w.contender, w]));
    // The proxy sees nothing but frames on a warm TCP connection.
    expect(wire.get("tcp-p1")!.requestBytes).toBe(results.request.tcpFrameBytes);
    // Positional request fields by default: within the 0.3 KB target; the named form (opt-in) spells every name out.
    expect(wire.get("tcp-p1")!.requestBytes).toBeLessThanOrEqual(300);
    expect(wire.get("tcp-named")!.requestBytes).toBeGreaterThan(2 * wire.get("tcp-p1")!.requestBytes);
    const tcpCodec = results.codecs.find((c) => c.codec.startsWith("syncvalue TCP codec"))!;
    // Answers vary by a few bytes (inference_time_us is written in the smallest integer that fits).
    expect(Math.abs(wire.get("tcp-p1")!.responseBytes - (tcpCodec.responseBytes + 4))).toBeLessThanOrEqual(4);
    // gRPC carries the protobuf message plus HTTP/2 framing and headers.
    expect(wire.get("grpc")!.requestBytes).toBeGreaterThan(results.request.protobufBytes);
    expect(wire.get("grpc-js")!.requestBytes).toBeGreaterThan(results.request.protobufBytes);
    expect(wire.get("connect-json")!.requestBytes).toBeGreaterThan(wire.get("grpc")!.requestBytes);
  });

  it("serves the hits from the cache and batches concurrent calls", () => {
    expect(results.cacheHits.serverRequests).toBe(1);
    expect(results.cacheHits.hits).toBeGreaterThan(1000);
    for (const row of results.microBatching.rows) {
      expect(row.errors).toBe(0);
      expect(row.callsPerSecond).toBeGreaterThan(0);
      if (row.mode === "batched") expect(row.meanBatchSize).toBeGreaterThan(1);
      else expect(row.meanBatchSize).toBe(1);
    }
  });

  it("times every codec, cold starts over both transports, pool memory and bid decisions", () => {
    expect(results.codecs.length).toBeGreaterThanOrEqual(5);
    for (const c of results.codecs) {
      for (const v of [c.encodeRequestNs, c.decodeRequestNs, c.encodeResponseNs, c.decodeResponseNs]) expect(v).toBeGreaterThan(0);
    }
    expect(results.coldStart.map((c) => `${c.packaging}/${c.transport}`)).toEqual(["package/tcp", "package/grpc", "bundle/tcp", "bundle/grpc", "bundle-tcp-only/tcp", "floor/tcp"]);
    for (const c of results.coldStart) expect(c.firstCallMs).toBeGreaterThan(0);
    // Every SDK row over TCP is set against the floor measured in the same rounds; the floor itself and gRPC rows are not.
    expect(results.coldStart.filter((c) => c.overFloor !== undefined).map((c) => c.packaging)).toEqual(["package", "bundle", "bundle-tcp-only"]);
    for (const c of results.coldStart) if (c.overFloor) expect(c.overFloor.ratio).toBeGreaterThan(0);
    // The edge bundle rows come from the CI check's own script, run on dist/.
    expect(results.edgeBundle.map((b) => b.target)).toEqual([
      "edge (edge-light)",
      "workerd",
      "deno",
      "bun",
      "edge with createClient (edge-light)",
      "prediction client (edge-light)",
      "prediction client (workerd)",
      "prediction client (deno)",
      "prediction client (bun)",
    ]);
    for (const b of results.edgeBundle) {
      expect(b.gzipBytes).toBeGreaterThan(1000);
      expect(b.minifiedBytes).toBeGreaterThan(b.gzipBytes);
      // Only Deno's and Bun's builds have a chunk loaded on first use (their raw TCP transport).
      expect(b.lazyGzipBytes !== undefined, b.target).toBe(/deno|bun/.test(b.target));
    }
    // The fetch transport replaces connect-web for unary calls because it ships less: the rows must say so.
    const bundles = new Map(results.fetchBundles!.map((b) => [b.name, b.gzipBytes]));
    expect(bundles.size).toBe(5);
    const ours = bundles.get("Connect client + syncvalue createFetchTransport (Connect protocol)")!;
    expect(ours).toBeGreaterThan(1000);
    expect(ours).toBeLessThan(bundles.get("Connect client + connect-web createConnectTransport (binary)")!);
    expect(results.poolMemory.map((p) => p.transport)).toEqual(["tcp", "grpc"]);
    expect(results.bid.auctions).toBeGreaterThan(0);
    expect(results.bid.p50Us).toBeLessThanOrEqual(results.bid.p99Us);
  });

  it("writes the report and the chart, and prints the same tables", () => {
    const report = readFileSync(join(out, "BENCHMARKS.md"), "utf8");
    for (const heading of ["## Fetch transport bundle against connect-web", "## Targets", "## Unary latency at concurrency 1", "## Throughput (calls/s) by concurrency", "## Cache hit path", "## Bytes on the wire per prediction", "## Edge bundle", "## Cold start to first prediction", "## Memory per pooled connection", "## Bid decision time"]) {
      expect(report).toContain(heading);
    }
    expect(report).toContain(results.machine.node);
    expect(stdout).toContain("## Targets");
    expect(existsSync(join(out, "benchmarks.svg"))).toBe(true);
    expect(readFileSync(join(out, "benchmarks.svg"), "utf8")).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);
  });
});
