// The benchmark suite: the SDK's transports against the alternatives, side by
// side in one run, against one reference server process.
//
//   npm run bench          # full: a few minutes; writes BENCHMARKS.md and bench/results/
//   npm run bench:quick    # about 2.5 minutes with the build (115 s on 2 cores, 62 s of it benchmarking, before the near-free section added about 40 s); writes .build/bench/results/
//   npm run bench:near-free # the near-free section alone (--only near-free), no build; add -- --quick for about 40 s
//
// or by hand (Node 20 cannot run TypeScript directly):
//
//   npx esbuild bench/run-benchmarks.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/run-benchmarks.mjs
//   node .build/bench/run-benchmarks.mjs [--quick | --smoke] [--out DIR]
//
// --smoke runs every section with a minimal budget (the test suite uses it so
// the benchmark cannot rot); --out DIR writes BENCHMARKS.md, benchmarks.svg and
// benchmarks.json there instead; --from-json FILE re-renders BENCHMARKS.md (into
// --out DIR, default the repository root) and the chart from a finished run;
// --only near-free runs the near-free server section alone (no dist/ build
// needed: `npm run bench:near-free`) and writes near-free.md and near-free.json
// (to --out DIR, default .build/bench/results).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { LTVPredictionRequestSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../src/node/create-client-node.js";
import { predictLtvTcpBinding } from "../src/tcp/prediction-tcp-binding.js";
import { buildBenchBundles, repositoryRoot } from "./suite/bench-bundles.js";
import { benchmarkReport } from "./suite/benchmark-report.js";
import type { BenchmarkResults, NearFreeRunResults } from "./suite/benchmark-results.js";
import { checkNearFreeTargets, checkTargets } from "./suite/benchmark-targets.js";
import { runEdgeBundleSection } from "./suite/section-edge-bundle.js";
import { runFetchBundleSection } from "./suite/section-fetch-bundles.js";
import { connectJsonFetch } from "./suite/contenders/connect-json-fetch-contender.js";
import { grpcJs } from "./suite/contenders/grpc-js-contender.js";
import { minimalTcp } from "./suite/contenders/minimal-tcp-contender.js";
import {
  syncvalueGrpc,
  syncvalueTcpNoPipelining,
  syncvalueTcpPipelining,
  syncvalueTcpNamed,
  wirePathOnly,
} from "./suite/contenders/syncvalue-contenders.js";
import { machineInfo } from "./suite/machine-info.js";
import { nearFreeReport } from "./suite/near-free-report.js";
import { processCpuMicros } from "./suite/process-cpu-time.js";
import { startReferenceServer } from "./suite/reference-server-process.js";
import { sampleRequest, sampleRequestDescription } from "./suite/sample-request.js";
import { runBidDecisionSection } from "./suite/section-bid-decision.js";
import { runCacheHitSection } from "./suite/section-cache-hits.js";
import { runCodecSection } from "./suite/section-codecs.js";
import { runColdStartSection } from "./suite/section-cold-start.js";
import { runMicroBatchingSection } from "./suite/section-micro-batching.js";
import { runNearFreeSection } from "./suite/section-near-free.js";
import { runPoolMemorySection } from "./suite/section-pool-memory.js";
import { runUnarySection } from "./suite/section-unary.js";
import { runWireBytesSection } from "./suite/section-wire-bytes.js";
import { throughputChartSvg } from "./suite/throughput-chart-svg.js";

type Mode = BenchmarkResults["mode"];

/** How much of each section a mode runs. */
const budgets = {
  smoke: {
    concurrencies: [1, 16],
    rounds: 1,
    cellMs: 150,
    warmupMs: 30,
    // Two slices at c=1, so the smoke run goes through the sliced cells too.
    nearFree: { rounds: 1, cellMs: 100, warmupMs: 30, slicesAtConcurrency1: 2 },
    cacheCalls: 20_000,
    batching: { concurrency: 64, rounds: 1, cellMs: 150 },
    codec: { sliceMs: 5, rounds: 1 },
    wireCalls: 20,
    coldStartRuns: 1,
    memory: { connections: 4, runs: 1 },
    auctions: 1_000,
  },
  quick: {
    concurrencies: [1, 16, 64, 256],
    rounds: 3,
    cellMs: 400,
    warmupMs: 150,
    // Kept short so the quick run stays quick (10 clients, 37 cells a round); 3 rounds so the
    // median drops the first, which runs while the freshly loaded clients still compile and collect.
    nearFree: { rounds: 3, cellMs: 250, warmupMs: 100, slicesAtConcurrency1: 2 },
    cacheCalls: 300_000,
    batching: { concurrency: 256, rounds: 2, cellMs: 500 },
    codec: { sliceMs: 40, rounds: 3 },
    wireCalls: 200,
    coldStartRuns: 3,
    memory: { connections: 32, runs: 1 },
    auctions: 5_000,
  },
  full: {
    concurrencies: [1, 16, 64, 256],
    rounds: 5,
    cellMs: 2_000,
    warmupMs: 300,
    // At c=1 each cell in 4 slices taken in turn (same time in all): see docs/benchmarks.md, "gRPC at concurrency 1".
    nearFree: { rounds: 5, cellMs: 1_000, warmupMs: 300, slicesAtConcurrency1: 4 },
    cacheCalls: 2_000_000,
    batching: { concurrency: 256, rounds: 3, cellMs: 2_000 },
    codec: { sliceMs: 100, rounds: 7 },
    wireCalls: 1_000,
    coldStartRuns: 10,
    memory: { connections: 64, runs: 3 },
    auctions: 40_000,
  },
} as const;

const deadlineMs = 10_000;

/** Writes the report, chart and JSON of a run: the Markdown goes to `outDir`, the rest to `resultsDir`. */
function writeResults(results: BenchmarkResults, outDir: string, resultsDir: string): { report: string; reportPath: string; chartPath: string } {
  const reportPath = join(outDir, "BENCHMARKS.md");
  const chartPath = join(resultsDir, "benchmarks.svg");
  const report = benchmarkReport(results, relative(dirname(reportPath), chartPath));
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  // The fleet section is written by `npm run bench:fleet`: keep it.
  const previous = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : "";
  const fleet = /<!-- fleet:start[\s\S]*?<!-- fleet:end -->/.exec(previous)?.[0];
  writeFileSync(reportPath, report + (fleet ? `\n${fleet}\n` : "\n"));
  writeFileSync(chartPath, throughputChartSvg(results.unary, `syncvalue PredictLTV clients, ${results.machine.node}, ${results.machine.date.slice(0, 10)}`));
  writeFileSync(join(resultsDir, "benchmarks.json"), JSON.stringify(results, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
  return { report, reportPath, chartPath };
}

/** The Markdown of an `--only near-free` run: where and when, the targets it checks, then the section. */
function nearFreeRunReport(r: NearFreeRunResults): string {
  const m = r.machine;
  return [
    "# Benchmarks: near-free server only",
    "",
    `Generated by \`${r.command}\` (${r.mode} mode, ${r.durationS.toFixed(0)} s). The full suite (\`npm run bench\`) writes BENCHMARKS.md with this section in it.`,
    "",
    `- machine: ${m.cpu} x${m.cores}, ${m.os}; Node ${m.node}, ${m.date}`,
    `- load average (1/5/15 min) at start ${m.load.map((x) => x.toFixed(2)).join(" / ")}, at end ${r.loadAtEnd.map((x) => x.toFixed(2)).join(" / ")}`,
    `- request: ${r.request.description}; ${r.request.tcpFrameBytes} bytes as a TCP frame, ${r.request.protobufBytes} bytes as protobuf; every client call carries a ${r.deadlineMs} ms deadline (the floor has none)`,
    "",
    "## Targets",
    "",
    "| target | measured | met |",
    "|---|---|---|",
    ...checkNearFreeTargets(r.nearFree).map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    "",
    ...nearFreeReport(r.nearFree),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fromJson = args.indexOf("--from-json");
  if (fromJson >= 0) {
    // Re-renders a finished run (after a change to the report's code) without measuring again.
    const root = repositoryRoot();
    const file = resolve(root, args[fromJson + 1]!);
    const results = JSON.parse(readFileSync(file, "utf8")) as BenchmarkResults;
    const outIndex = args.indexOf("--out");
    const outDir = resolve(root, outIndex >= 0 ? args[outIndex + 1]! : ".");
    const { reportPath } = writeResults(results, outDir, dirname(file));
    console.log(`re-rendered ${relative(root, reportPath)} from ${relative(root, file)}`);
    return;
  }
  const mode: Mode = args.includes("--smoke") ? "smoke" : args.includes("--quick") ? "quick" : "full";
  const onlyIndex = args.indexOf("--only");
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  if (onlyIndex >= 0 && only !== "near-free") throw new Error(`--only: the one section that runs alone is near-free, got ${only ?? "nothing"}`);
  const outIndex = args.indexOf("--out");
  const root = repositoryRoot();
  const outDir = resolve(root, outIndex >= 0 ? args[outIndex + 1]! : mode === "full" && only === undefined ? "." : ".build/bench/results");
  const budget = budgets[mode];
  const started = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const machine = machineInfo();
  log(`syncvalue benchmarks, ${mode} mode: ${machine.cpu} x${machine.cores}, Node ${machine.node}, load ${machine.load.map((l) => l.toFixed(2)).join(" ")}`);

  const bundles = await buildBenchBundles(".build/bench");
  const request = sampleRequest();
  const runNearFree = () =>
    runNearFreeSection({ serverBundle: bundles.nearFree, request, deadlineMs, concurrencies: budget.concurrencies, ...budget.nearFree, log });
  const requestSizes = {
    description: sampleRequestDescription,
    tcpFrameBytes: predictLtvTcpBinding.encodeRequest(request).byteLength,
    protobufBytes: toBinary(LTVPredictionRequestSchema, request).byteLength,
  };
  if (only === "near-free") {
    log("near-free server: every client at every concurrency, interleaved rounds");
    const nearFree = await runNearFree();
    const results: NearFreeRunResults = {
      mode,
      command: `node .build/bench/run-benchmarks.mjs --only near-free${mode === "full" ? "" : ` --${mode}`}`,
      machine,
      loadAtEnd: loadavg(),
      durationS: (performance.now() - started) / 1000,
      request: requestSizes,
      deadlineMs,
      nearFree,
    };
    const report = nearFreeRunReport(results);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "near-free.md"), report);
    writeFileSync(join(outDir, "near-free.json"), JSON.stringify(results, null, 2) + "\n");
    console.log("");
    console.log(report);
    const missed = checkNearFreeTargets(nearFree).filter((t) => !t.met);
    log(`wrote ${relative(root, join(outDir, "near-free.md"))}; ${missed.length === 0 ? "every target met" : `targets missed: ${missed.length}`}`);
    return;
  }
  const server = await startReferenceServer(bundles.cli);
  log(`reference server pid ${server.pid}: ${server.httpUrl} ${server.tcpUrl}`);
  try {
    const target = { httpUrl: server.httpUrl, tcpUrl: server.tcpUrl, request, deadlineMs };
    const factories = [minimalTcp, syncvalueTcpNoPipelining, syncvalueTcpPipelining, syncvalueGrpc, grpcJs, connectJsonFetch];

    log("unary calls: every client at every concurrency, interleaved rounds");
    const unary = await runUnarySection({ factories, target, ...budget, log, serverCpuMicros: () => processCpuMicros(server.pid) });

    log("the same against a near-free server");
    const nearFree = await runNearFree();

    log("cache hit path");
    const cacheHits = await runCacheHitSection(server.tcpUrl, request, budget.cacheCalls);
    log(`  ${Math.round(cacheHits.hitsPerSecond).toLocaleString("en-US")} hits/s`);

    log("micro-batching against single calls");
    const microBatching = await runMicroBatchingSection(server, { ...budget.batching, warmupMs: budget.warmupMs, deadlineMs, log });

    log("codecs");
    const probeClient = createClient({ prediction: server.tcpUrl, timeoutMs: deadlineMs, ...wirePathOnly });
    const response = await probeClient.prediction.predictLTV(request);
    await probeClient.close();
    const codecs = runCodecSection(request, response, budget.codec);

    log("bytes on the wire");
    const wire = await runWireBytesSection(
      [syncvalueTcpNoPipelining, syncvalueTcpNamed, syncvalueGrpc, grpcJs, connectJsonFetch],
      target,
      budget.wireCalls,
    );

    log("cold start to first prediction (fresh processes)");
    const coldStart = await runColdStartSection(bundles.probe, { package: bundles.sdkPackage, bundle: bundles.sdkStandalone, "bundle-tcp-only": bundles.sdkStandaloneTcpOnly, floor: bundles.coldStartFloor }, server, budget.coldStartRuns);

    log("edge bundle (from dist/)");
    const edgeBundle = await runEdgeBundleSection(root);
    log("fetch transport bundle against connect-web (from dist/)");
    const fetchBundles = await runFetchBundleSection(root);

    log("memory per pooled connection (fresh processes)");
    const poolMemory = await runPoolMemorySection(bundles.probe, bundles.sdk, server, budget.memory.connections, budget.memory.runs);

    log("bid decision time");
    const bid = runBidDecisionSection(budget.auctions);

    const results: BenchmarkResults = {
      mode,
      command: mode === "full" ? "npm run bench" : mode === "quick" ? "npm run bench:quick" : "node .build/bench/run-benchmarks.mjs --smoke",
      machine,
      loadAtEnd: loadavg(),
      durationS: (performance.now() - started) / 1000,
      request: requestSizes,
      deadlineMs,
      unary,
      nearFree,
      cacheHits,
      microBatching,
      codecs,
      wire,
      coldStart,
      edgeBundle,
      fetchBundles,
      poolMemory,
      bid,
    };
    const resultsDir = mode === "full" && outIndex < 0 ? join(root, "bench/results") : outDir;
    const { report, reportPath, chartPath } = writeResults(results, outDir, resultsDir);
    console.log("");
    console.log(report);
    const missed = checkTargets(results).filter((t) => !t.met);
    log(`wrote ${relative(root, reportPath)}, ${relative(root, chartPath)}; ${missed.length === 0 ? "every target met" : `targets missed: ${missed.length}`}`);
  } finally {
    await server.stop();
  }
}

main().then(
  // grpc-js and undici keep idle handles for a while: the run is over, so leave now.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
