import type { BenchmarkResults } from "./benchmark-results.js";
import type { UnarySectionResult } from "./section-unary.js";

/** One target the project is held to, and what this run measured against it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

const cell = (r: BenchmarkResults, id: string, c: number) => r.unary.cells.find((x) => x.contender === id && x.concurrency === c);
const fmt = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? "n/a" : n.toFixed(digits));

/** The project's performance targets, checked against one run's figures. */
export function checkTargets(r: BenchmarkResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const floor = cell(r, "minimal", 1);
  for (const id of ["tcp-p1", "tcp-p8"]) {
    const c = cell(r, id, 1);
    if (!c || !floor) continue;
    const ratio = c.p50Us / floor.p50Us;
    checks.push({
      target: `${id}: p50 at c=1 within 1.3x of the minimal TCP client (the floor)`,
      measured: `${c.p50Us.toFixed(0)} µs vs ${floor.p50Us.toFixed(0)} µs = ${fmt(ratio)}x`,
      met: ratio <= 1.3,
    });
  }
  const grpcJs64 = cell(r, "grpc-js", 64);
  for (const id of ["tcp-p1", "tcp-p8"]) {
    const c = cell(r, id, 64);
    if (!c || !grpcJs64) continue;
    const ratio = c.callsPerSecond / grpcJs64.callsPerSecond;
    checks.push({
      target: `${id}: throughput at c=64 at least 5x grpc-js`,
      measured: `${Math.round(c.callsPerSecond)} vs ${Math.round(grpcJs64.callsPerSecond)} calls/s = ${fmt(ratio)}x`,
      met: ratio >= 5,
    });
  }
  for (const concurrency of r.unary.concurrencies) {
    const ours = cell(r, "grpc", concurrency);
    const theirs = cell(r, "grpc-js", concurrency);
    if (!ours || !theirs) continue;
    const ratio = ours.callsPerSecond / theirs.callsPerSecond;
    checks.push({
      target: `gRPC: throughput at c=${concurrency} at least grpc-js's`,
      measured: `${Math.round(ours.callsPerSecond)} vs ${Math.round(theirs.callsPerSecond)} calls/s = ${fmt(ratio)}x`,
      met: ratio >= 1,
    });
  }
  if (r.nearFree) checks.push(...checkNearFreeTargets(r.nearFree));
  // On a shared machine wall-clock rates depend on the neighbours; per CPU
  // second is what one free core would give. Both are shown, the check uses the latter.
  checks.push({
    target: "cache hit path: 2,000,000 predictions/s (whole client, per CPU second)",
    measured: `${Math.round(r.cacheHits.hitsPerCpuSecond).toLocaleString("en-US")} per CPU s (${Math.round(r.cacheHits.hitsPerSecond).toLocaleString("en-US")} /s wall clock)`,
    met: r.cacheHits.hitsPerCpuSecond >= 2_000_000,
  });
  for (const [id, layout] of [["tcp-p1", "positional fields, the default"], ["tcp-named", "named fields, opt-in"]] as const) {
    const tcpWire = r.wire.find((w) => w.contender === id);
    if (tcpWire) {
      checks.push({
        target: `wire: at most 0.3 KB (300 bytes) per prediction request (TCP, ${layout})`,
        measured: `${tcpWire.requestBytes.toFixed(0)} bytes`,
        met: tcpWire.requestBytes <= 300,
      });
    }
  }
  // Every runtime's row of the budgeted function is held to the target (Deno's and Bun's builds carry pooled raw TCP).
  const full = r.edgeBundle.find((b) => b.target.startsWith("edge with createClient"));
  for (const row of r.edgeBundle.filter((b) => b !== full)) {
    checks.push({
      target: `edge bundle, ${row.target} (createPredictionClient over HTTP, cache${row.target.startsWith("prediction client") ? "" : ", bid helpers"}): at most 40 KB min+gz`,
      measured: `${row.gzipBytes.toLocaleString("en-US")} bytes${full && row.target === "edge (edge-light)" ? ` (on createClient: ${full.gzipBytes.toLocaleString("en-US")})` : ""}`,
      met: row.gzipBytes <= 40_000,
    });
  }
  // The floor loads no SDK: it is a yardstick, not a target.
  for (const row of r.coldStart.filter((c) => c.packaging !== "floor")) {
    checks.push({
      target: `cold start (${row.transport}, ${row.packaging === "package" ? "installed package" : row.packaging === "bundle" ? "bundled app" : "bundled app without the HTTP transport"}): import + createClient + first prediction under 50 ms`,
      measured: `${row.toFirstPredictionMs.toFixed(1)} ms (${row.sinceProcessStartMs.toFixed(1)} ms with Node's own start${row.overFloor ? `; ${row.overFloor.ms.toFixed(1)} ms above a minimal client's in the same rounds` : ""})`,
      met: row.toFirstPredictionMs < 50,
    });
  }
  return checks;
}

/**
 * Issue 17's targets, against the near-free server (the client's own cost):
 * syncvalue TCP against the minimal TCP client, syncvalue gRPC against grpc-js.
 */
export function checkNearFreeTargets(u: UnarySectionResult): TargetCheck[] {
  const at = (id: string, c: number) => u.cells.find((x) => x.contender === id && x.concurrency === c);
  const checks: TargetCheck[] = [];
  const tcp64 = at("tcp", 64);
  const floor64 = at("minimal", 64);
  if (tcp64 && floor64) {
    const ratio = tcp64.cpuUsPerCall / floor64.cpuUsPerCall;
    checks.push({
      target: "near-free, TCP: client CPU per call at c=64 at most 1.5x the minimal client's",
      measured: `${fmt(tcp64.cpuUsPerCall, 1)} vs ${fmt(floor64.cpuUsPerCall, 1)} µs = ${fmt(ratio)}x`,
      met: ratio <= 1.5,
    });
  }
  const tcp1 = at("tcp", 1);
  const floor1 = at("minimal", 1);
  if (tcp1 && floor1) {
    for (const [q, limit] of [["p50", 1.3], ["p99", 2]] as const) {
      const ours = q === "p50" ? tcp1.p50Us : tcp1.p99Us;
      const theirs = q === "p50" ? floor1.p50Us : floor1.p99Us;
      checks.push({
        target: `near-free, TCP: ${q} at c=1 at most ${limit}x the minimal client's`,
        measured: `${ours.toFixed(0)} vs ${theirs.toFixed(0)} µs = ${fmt(ours / theirs)}x`,
        met: ours / theirs <= limit,
      });
    }
  }
  for (const c of u.concurrencies) {
    const ours = at("grpc", c);
    const theirs = at("grpc-js", c);
    if (!ours || !theirs) continue;
    const cpu = ours.cpuUsPerCall / theirs.cpuUsPerCall;
    checks.push({
      target: `near-free, gRPC: client CPU per call at c=${c} at most 0.8x grpc-js's`,
      measured: `${fmt(ours.cpuUsPerCall, 1)} vs ${fmt(theirs.cpuUsPerCall, 1)} µs = ${fmt(cpu)}x`,
      met: cpu <= 0.8,
    });
    const rate = ours.callsPerSecond / theirs.callsPerSecond;
    checks.push({
      target: `near-free, gRPC: throughput at c=${c} at least 1.2x grpc-js's`,
      measured: `${Math.round(ours.callsPerSecond)} vs ${Math.round(theirs.callsPerSecond)} calls/s = ${fmt(rate)}x`,
      met: rate >= 1.2,
    });
  }
  return checks;
}
