import type { BenchmarkResults } from "./benchmark-results.js";
import type { UnaryCell } from "./section-unary.js";

const us = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "n/a" : `${Math.round(n)} µs`);
const range = (c: UnaryCell) => `${Math.round(c.callsPerSecondMin)}–${Math.round(c.callsPerSecondMax)}`;
const overlap = (a: UnaryCell, b: UnaryCell) => a.callsPerSecondMax >= b.callsPerSecondMin && b.callsPerSecondMax >= a.callsPerSecondMin;

/**
 * Where the SDK is behind an alternative or a target in this run, with the
 * figures that explain it and what profiling (`node --cpu-prof`) showed.
 * The explanations are this code's; the numbers are the run's.
 */
export function benchmarkFindings(r: BenchmarkResults): string[] {
  const cell = (id: string, c: number) => r.unary.cells.find((x) => x.contender === id && x.concurrency === c);
  const lines: string[] = ["## Where we are behind, and why", ""];
  // The minimal TCP client is the floor; runs made before it existed had the bare socket pump.
  const floor = cell("minimal", 1) ?? cell("bare", 1);
  const floorDoes = floor?.contender === "minimal" ? "which encodes and decodes with msgpackr and does nothing else" : "which writes pre-encoded bytes and decodes nothing";
  const tcp = cell("tcp-p1", 1);
  if (floor && tcp && tcp.p50Us > 1.3 * floor.p50Us) {
    lines.push(
      `- **TCP p50 against the floor** (${(tcp.p50Us / floor.p50Us).toFixed(2)}x, target 1.3x). Server CPU per call is about the same for both (${us(tcp.serverCpuUsPerCall)} vs ${us(floor.serverCpuUsPerCall)}: the same request); the gap is client CPU: ${us(tcp.cpuUsPerCall)} per call against the floor's ${us(floor.cpuUsPerCall)}, ${floorDoes}. ` +
        "Profiled with a socket that answers in-process: Connect's `runUnaryCall` (two AbortControllers per call, one aborted on success, which builds a DOMException with a stack trace) was about 40% of the transport's CPU, and the one AbortController left for the deadline, with an abort listener in the pool and one in the connection, about a third of the rest; the transport now has a lean unary path with neither (a plain `CallDeadline` object). " +
        "What remains, roughly: garbage collection (~30% of samples: request and response objects, promises, one buffer per frame), the SDK layers every call goes through (validation, metrics, default deadline, about a fifth), Node's stream machinery on both sides of the socket, and the encoding of the 247-byte request (positional since size3).",
    );
  }
  if (floor && tcp && tcp.p50Us <= 1.3 * floor.p50Us && tcp.cpuUsPerCall > 1.3 * floor.cpuUsPerCall) {
    lines.push(
      `- **TCP p50 meets the 1.3x target in this run (${(tcp.p50Us / floor.p50Us).toFixed(2)}x), client CPU does not.** Our client spends ${us(tcp.cpuUsPerCall)} of CPU per call against the floor's ${us(floor.cpuUsPerCall)} (${(tcp.cpuUsPerCall / floor.cpuUsPerCall).toFixed(1)}x). ` +
        `On this busy loopback the p50 is mostly the server (${us(tcp.serverCpuUsPerCall)} of CPU per call) and wake-ups of processes that share two cores, so the p50 ratio hides it; on an idle machine, where the floor answers in a few tens of µs, the p50 ratio moves towards the CPU ratio. ` +
        "Profile of what is left (a socket answering in-process): garbage collection (~30% of samples: request and response objects, promises, one buffer per frame), the SDK layers every call goes through (validation, metrics, default deadline, about a fifth), Node's stream machinery, and the encoding of the 247-byte request (positional since size3). " +
        "Removed already: Connect's `runUnaryCall` (two AbortControllers per call, one aborted on success, building a DOMException with a stack trace; ~40% of the transport's CPU) and the deadline's AbortController with its two abort listeners (about a third of the rest).",
    );
  }
  const grpcRows = r.unary.concurrencies
    .map((c) => ({ c, ours: cell("grpc", c), theirs: cell("grpc-js", c) }))
    .filter((x) => x.ours && x.theirs);
  const behind = grpcRows.filter((x) => x.ours!.callsPerSecond < x.theirs!.callsPerSecond);
  if (behind.length > 0) {
    const cpu = grpcRows.map((x) => `c=${x.c}: ${us(x.ours!.cpuUsPerCall)} vs ${us(x.theirs!.cpuUsPerCall)}`).join(", ");
    const server = grpcRows.map((x) => us(x.theirs!.serverCpuUsPerCall)).join(" / ");
    lines.push(
      `- **gRPC throughput below grpc-js at ${behind.map((x) => `c=${x.c} (${(x.ours!.callsPerSecond / x.theirs!.callsPerSecond).toFixed(2)}x)`).join(", ")}.** ` +
        `Every HTTP client here is bound by the reference server, whose connect-node HTTP/2 path costs ${server} of CPU per call (against ${us(cell("tcp-p1", 64)?.serverCpuUsPerCall)} for the TCP binding), on the same two shared cores. ` +
        `Our gRPC client's own CPU per call against grpc-js's: ${cpu}. Calls/s over the rounds where we are behind (ours, then grpc-js's): ${behind.map((x) => `c=${x.c}: ${range(x.ours!)} vs ${range(x.theirs!)}`).join("; ")}${behind.every((x) => overlap(x.ours!, x.theirs!)) ? ": the ranges overlap, so on this machine the gap is within the rounds' noise, and our client spends less CPU per call." : "."}`,
    );
  }
  const nf = r.nearFree;
  const nfAt = (id: string, c: number) => nf?.cells.find((x) => x.contender === id && x.concurrency === c);
  const nfTcp = nfAt("tcp", 64);
  const nfFloor = nfAt("minimal", 64);
  const nfTcp1 = nfAt("tcp", 1);
  const nfFloor1 = nfAt("minimal", 1);
  if (nfTcp && nfFloor && nfTcp1 && nfFloor1 && (nfTcp.cpuUsPerCall > 1.5 * nfFloor.cpuUsPerCall || nfTcp1.p99Us > 2 * nfFloor1.p99Us)) {
    const gc = (c: UnaryCell) => `${c.gcsPerKCall?.toFixed(2) ?? "n/a"} GCs per 1,000 calls (${c.gcUsPerCall?.toFixed(1) ?? "n/a"} µs/call in GC), event loop delay p99 ${us(c.loopDelayP99Us)}`;
    lines.push(
      `- **TCP against the minimal client, near-free server** (issue 17): client CPU per call at c=64 ${us(nfTcp.cpuUsPerCall)} vs ${us(nfFloor.cpuUsPerCall)} (${(nfTcp.cpuUsPerCall / nfFloor.cpuUsPerCall).toFixed(1)}x, target 1.5x); at c=1 p50 ${us(nfTcp1.p50Us)} vs ${us(nfFloor1.p50Us)}, p99 ${us(nfTcp1.p99Us)} vs ${us(nfFloor1.p99Us)}. ` +
        `GC and timers at c=64, ours then the floor's: ${gc(nfTcp)}; ${gc(nfFloor)}.`,
    );
  }
  const ch = r.cacheHits;
  if (ch.hitsPerCpuSecond < 2_000_000) {
    lines.push(
      `- **Cache hits** (${Math.round(ch.hitsPerCpuSecond).toLocaleString("en-US")} per CPU second through the whole client, ${Math.round(ch.layerHitsPerCpuSecond).toLocaleString("en-US")} through the cache layer alone; target 2,000,000). ` +
        "The same request object is sent each time, so its validation and cache key come from its memo (docs/caching-and-resilience.md); profile of what is left (cpu-prof, 4M hits, 2026-12-05): garbage collection (the caller's copy of the answer, the two promises a hit needs) about 15%, the cache layer's lookup (LRU, customer check, age) about 15%, the comparison of the request's ~50 values about 15%, the clock reading for the entry's age about 8% (a clock reading costs 100-200 ns on this shared machine), the service client's unary method about 8%, the caller's copy about 6%. On a busy machine the whole-client figure swings by about a third between runs (bench/cache-hit/run-cache-hit-compare.ts measures it against a baseline in the same process).",
    );
  }
  const tcpWire = r.wire.find((w) => w.contender === "tcp-p1");
  if (tcpWire && tcpWire.requestBytes > 300) {
    lines.push(
      `- **Wire size of a TCP request** (${Math.round(tcpWire.requestBytes)} bytes, target 300). The request's fields go positionally (docs/wire-protocol.md), every field written (serde needs them); ` +
        `gRPC sends ${Math.round(r.wire.find((w) => w.contender === "grpc")?.requestBytes ?? Number.NaN)} bytes for the same request (protobuf plus HTTP/2 frames with compressed headers).`,
    );
  }
  const cold = r.coldStart.filter((c) => c.packaging !== "floor" && c.toFirstPredictionMs >= 50);
  if (cold.length > 0) {
    const pkg = r.coldStart.find((c) => c.packaging === "package" && c.transport === "tcp");
    const bundle = r.coldStart.find((c) => c.packaging === "bundle" && c.transport === "tcp");
    const floor = r.coldStart.find((c) => c.packaging === "floor");
    lines.push(
      `- **Cold start** (target 50 ms). Importing is most of it: ${pkg ? `${pkg.importMs.toFixed(0)} ms` : "n/a"} as an installed package (the SDK's chunks, with Connect's and protobuf's core and msgpackr's decoder inlined, then lru-cache from node_modules; the HTTP stack only for http endpoints), ${bundle ? `${bundle.importMs.toFixed(0)} ms` : "n/a"} as one bundled file, where V8 compiles all of it but the HTTP stack, a string there (docs/benchmarks.md#cold-start). ` +
        `The first call (${bundle ? `${bundle.firstCallMs.toFixed(0)} ms` : "n/a"}) opens the connection and runs every code path for the first time; the second takes ${bundle ? `${bundle.secondCallMs.toFixed(1)} ms` : "n/a"}. ` +
        `Node itself needs ${pkg ? `${pkg.nodeStartMs.toFixed(0)} ms` : "n/a"} to reach the first line on this busy machine` +
        (floor && bundle?.overFloor ? `, and a minimal client (msgpackr + node:net, one bundled file) ${floor.toFirstPredictionMs.toFixed(0)} ms to its first answer in the same rounds: the bundled SDK adds ${bundle.overFloor.ms.toFixed(0)} ms to that (${bundle.overFloor.ratio.toFixed(2)}x).` : "."),
    );
  }
  if (lines.length === 2) lines.push("Nowhere in this run.");
  lines.push("");
  return lines;
}
