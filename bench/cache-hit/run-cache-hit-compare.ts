// Cache hits through the whole client (`client.prediction.predictLTV`, the
// same request object, 1,000 calls in flight, as bench/suite/section-cache-hits.ts
// measures them), this tree against a baseline tree, in one process and in
// interleaved rounds, so both see the same machine load. Per round: hits per
// CPU second of this process, and one awaited hit's p50/p99.
//
//   git archive <base> src bench | tar -x -C /tmp/cache-hit-base
//   npx esbuild bench/cache-hit/hit-path-entry.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/hit-path-current.mjs
//   (cd /tmp/cache-hit-base && npx esbuild bench/cache-hit/hit-path-entry.ts ... \
//     --outfile=<repo>/.build/bench/hit-path-base.mjs)   # or copy this entry there
//   npx esbuild bench/cache-hit/run-cache-hit-compare.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/cache-hit-compare.mjs
//   node .build/bench/cache-hit-compare.mjs .build/bench/hit-path-base.mjs .build/bench/hit-path-current.mjs
//
// Options after the two bundles: --rounds N (default 5), --calls N per round (default 300,000),
// --fresh: a new request object (same values) for every call, made before the clock starts, so no
// object is seen twice: what a caller who builds a request per call gets (memory: ~1 KB per call);
// --new-id: the same request object, its requestId set to another (prepared) string before each call.
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";

interface Side {
  createClient(options: unknown): {
    prediction: { predictLTV(request: unknown): Promise<unknown> };
    metrics(): { cache: { hits: number; misses: number } };
    close(): Promise<void>;
  };
  createServer(options: unknown): Promise<{ tcpUrl: string | undefined; close(): Promise<void> }>;
  sampleRequest(): unknown;
}

const [basePath, currentPath, ...rest] = process.argv.slice(2);
if (!basePath || !currentPath) throw new Error("usage: cache-hit-compare <baseline bundle> <current bundle> [--rounds N] [--calls N]");
const option = (name: string, fallback: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const rounds = option("--rounds", 5);
const calls = option("--calls", 300_000);
const fresh = rest.includes("--fresh");
const newId = rest.includes("--new-id");
const chunk = 1_000;
const ids = Array.from({ length: chunk }, (_, i) => `bench-${i}`);

const sides: [string, Side][] = [
  ["baseline", (await import(pathToFileURL(basePath).href)) as Side],
  ["current", (await import(pathToFileURL(currentPath).href)) as Side],
];

async function round(side: Side, tcpUrl: string) {
  const client = side.createClient({ prediction: { url: tcpUrl }, timeoutMs: 5_000 });
  const request = side.sampleRequest();
  try {
    await client.prediction.predictLTV(request);
    const pending: Promise<unknown>[] = new Array(chunk);
    const burst = async (n: number, requests?: unknown[]) => {
      for (let i = 0; i < n; i += chunk) {
        for (let j = 0; j < chunk; j++) {
          if (newId) (request as { requestId: string }).requestId = ids[j]!;
          pending[j] = client.prediction.predictLTV(requests ? requests[i + j] : request);
        }
        await Promise.all(pending);
      }
    };
    const made = (n: number) => (fresh ? Array.from({ length: n }, () => side.sampleRequest()) : undefined);
    await burst(Math.min(calls, 100_000), made(Math.min(calls, 100_000))); // the JIT settles
    const requests = made(calls);
    const cpu0 = process.cpuUsage();
    await burst(calls, requests);
    const cpu = process.cpuUsage(cpu0);
    const perCpuSecond = calls / ((cpu.user + cpu.system) / 1e6);
    const sequential = Math.min(calls, 50_000);
    const latencies = new Float64Array(sequential);
    for (let i = 0; i < sequential; i++) {
      const s = performance.now();
      await client.prediction.predictLTV(request);
      latencies[i] = (performance.now() - s) * 1000;
    }
    latencies.sort();
    const m = client.metrics();
    if (m.cache.misses !== 1) throw new Error(`expected 1 miss, got ${m.cache.misses}`);
    return { perCpuSecond, p50: latencies[Math.floor(sequential * 0.5)]!, p99: latencies[Math.floor(sequential * 0.99)]! };
  } finally {
    await client.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const server = await sides[1]![1].createServer({ tcp: true });
try {
  const results = new Map<string, { perCpuSecond: number; p50: number; p99: number }[]>(sides.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const [name, side] of order) results.get(name)!.push(await round(side, server.tcpUrl!));
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; node ${process.version}`);
  console.log(`${rounds} interleaved rounds of ${calls.toLocaleString("en")} hits (1,000 in flight${fresh ? ", a new request object per call" : newId ? ", the same request object with a new requestId per call" : ", the same request object"}); medians`);
  console.log("| client | hits per CPU second | one hit p50 µs | p99 µs |");
  console.log("|---|---:|---:|---:|");
  for (const [name, rs] of results) {
    console.log(`| ${name} | ${Math.round(median(rs.map((x) => x.perCpuSecond))).toLocaleString("en")} | ${median(rs.map((x) => x.p50)).toFixed(2)} | ${median(rs.map((x) => x.p99)).toFixed(2)} |`);
  }
  const ratios = results.get("current")!.map((c, i) => c.perCpuSecond / results.get("baseline")![i]!.perCpuSecond);
  console.log(`current / baseline, hits per CPU second: ${median(ratios).toFixed(2)}x (per round: ${ratios.map((x) => x.toFixed(2)).join(", ")})`);
} finally {
  await server.close();
}
