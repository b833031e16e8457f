// Cold start to the first prediction, through the BUILT package (`npm run
// build` first), on Node and in workerd:
//
//   npm run bench:cold-start [-- --runs N] [--workerd-runs N]
//
// Node: N fresh processes each import `syncvalue` (resolved through
// package.json "exports", as an installed package), create a client and await
// one predictLTV, over gRPC (HTTP/2) and over raw TCP; the child times
// import → first answer itself, and the parent times spawn → exit.
// workerd: N fresh Miniflare instances each load a Worker bundled with the
// `workerd` condition; the time is the first request that creates the client
// and awaits one prediction (Connect over fetch), seen from the host.
// Reports p50 / p99 per variant. The bench/suite cold-start section compares
// packaging and transports in more depth; this one also covers workerd.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { startReferenceServer } from "./reference-server-process.js";


const repo = fileURLToPath(new URL("../../", import.meta.url)); // from .build/bench/
const scratch = `${repo}.build/bench/cold-start`;
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg("--runs", 30);
const workerdRuns = arg("--workerd-runs", 8);

const request = `{ customerId: "cold", platform: "meta", timestampMs: 1700000000000n,
  eventHistory: [{ timestampMs: 1699000000000n, eventType: "purchase", eventValue: 30 }] }`;

// The child: everything it measures happens after the clock starts.
const childSource = `
const t0 = performance.now();
const { createClient } = await import("syncvalue");
const t1 = performance.now();
const client = createClient({ prediction: process.argv[2], timeoutMs: 5000 });
const answer = await client.prediction.predictLTV(${request});
const t2 = performance.now();
await client.close();
console.log(JSON.stringify({ importMs: t1 - t0, toFirstPredictionMs: t2 - t0, sinceProcessStartMs: t2, ok: answer.predictedLtv > 0 }));
`;

const workerSource = `
import { createClient } from "syncvalue";
export default {
  async fetch(request) {
    const url = new URL(request.url).searchParams.get("prediction");
    const client = createClient({ prediction: url, timeoutMs: 5000 });
    const answer = await client.prediction.predictLTV(${request});
    return Response.json({ ok: answer.predictedLtv > 0 });
  },
};
`;

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

function runChild(file: string, url: string): Promise<{ toFirstPredictionMs: number; importMs: number; wallMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file, url], { cwd: repo, timeout: 30_000 }, (error, stdout) => {
      const wallMs = performance.now() - started;
      if (error) return reject(error);
      const r = JSON.parse(stdout.trim().split("\n").pop()!) as { toFirstPredictionMs: number; importMs: number; ok: boolean };
      if (!r.ok) return reject(new Error("empty prediction"));
      resolve({ ...r, wallMs });
    });
  });
}

const fmt = (v: number) => v.toFixed(1).padStart(7);
function row(name: string, values: number[]) {
  console.log(`${name.padEnd(44)} p50 ${fmt(quantile(values, 0.5))} ms   p99 ${fmt(quantile(values, 0.99))} ms   (n=${values.length})`);
}

mkdirSync(scratch, { recursive: true });
// Inside the package's folder, so `syncvalue` resolves to this package's exports (self-reference).
const childFile = `${scratch}/node-child.mjs`;
writeFileSync(childFile, childSource);
const server = await startReferenceServer(repo);
try {
  console.log(`cold start: Node ${process.version}, ${runs} fresh processes per transport; workerd ${workerdRuns} fresh isolates`);
  const node = { grpc: [] as Awaited<ReturnType<typeof runChild>>[], tcp: [] as Awaited<ReturnType<typeof runChild>>[] };
  for (let i = 0; i < runs; i++) {
    // Interleaved, so both transports share the machine's moods alike.
    node.grpc.push(await runChild(childFile, server.http));
    node.tcp.push(await runChild(childFile, server.tcp));
  }
  for (const [transport, samples] of Object.entries(node)) {
    row(`node ${transport}: import → first prediction`, samples.map((s) => s.toFirstPredictionMs));
    row(`node ${transport}: of which import`, samples.map((s) => s.importMs));
    row(`node ${transport}: spawn → exit (whole process)`, samples.map((s) => s.wallMs));
  }

  const bundle = await build({
    stdin: { contents: workerSource, resolveDir: repo, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:sockets"],
    minify: true,
    tsconfigRaw: "{}",
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]!.text;
  const workerd: number[] = [];
  const boot: number[] = [];
  for (let i = 0; i < workerdRuns; i++) {
    const t0 = performance.now();
    const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-04-01" });
    try {
      await mf.ready;
      const t1 = performance.now();
      const res = await mf.dispatchFetch(`http://cold.local/?prediction=${encodeURIComponent(server.http)}`);
      const { ok } = (await res.json()) as { ok: boolean };
      if (!ok) throw new Error("workerd: empty prediction");
      workerd.push(performance.now() - t1);
      boot.push(t1 - t0);
    } finally {
      await mf.dispose();
    }
  }
  row("workerd connect: first request → prediction", workerd);
  row("workerd: Miniflare boot (not the SDK)", boot);
} finally {
  process.kill(server.pid, "SIGKILL");
}
