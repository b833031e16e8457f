// Runs in a fresh Node process, spawned by the benchmark (never imported by it):
//
//   node [--expose-gc] bench-probe.mjs cold-start <sdk.mjs> <url>
//   node --expose-gc bench-probe.mjs pool-memory <sdk.mjs> <url> <connections>
//
// Prints one JSON line. It imports nothing of the SDK statically, so the time
// before `import(sdk)` is Node's own start-up, and the import is measured.
type SdkModule = typeof import("../../src/index-node.js");

const [mode, sdkPath, url, countArg] = process.argv.slice(2);
const started = performance.now(); // ms since the process's time origin

const request = {
  requestId: "cold-1",
  customerId: "customer-cold",
  platform: "meta",
  currentCac: 25,
  eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 30, source: "web" }],
};

async function coldStart(): Promise<void> {
  const sdk = (await import(sdkPath!)) as SdkModule;
  const imported = performance.now();
  const client = sdk.createClient({ prediction: url!, timeoutMs: 5_000 });
  const created = performance.now();
  const answer = await client.prediction.predictLTV(request);
  const first = performance.now();
  await client.prediction.predictLTV({ ...request, customerId: "customer-cold-2" });
  const second = performance.now();
  await client.close();
  console.log(
    JSON.stringify({
      nodeStartMs: started,
      importMs: imported - started,
      createMs: created - imported,
      firstCallMs: first - created,
      secondCallMs: second - first,
      toFirstPredictionMs: first - started,
      sinceProcessStartMs: first,
      ok: answer.predictedLtv > 0,
    }),
  );
}

function settle(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

async function poolMemory(): Promise<void> {
  const sdk = (await import(sdkPath!)) as SdkModule;
  const n = Number(countArg);
  const tcp = url!.startsWith("tcp");
  const endpoint = (connections: number) =>
    tcp ? { url: url!, tcp: { pool: { min: connections, max: connections } } } : { url: url!, http2: { sessions: connections } };
  const options = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 5_000 } as const;
  // A one-connection client first, so code and shared state are loaded before the baseline.
  const warm = sdk.createClient({ prediction: endpoint(1), ...options });
  await warm.warmup();
  await warm.prediction.predictLTV(request);
  await new Promise((r) => setTimeout(r, 50));
  const before = settle();
  const client = sdk.createClient({ prediction: endpoint(n), ...options });
  await client.warmup();
  // Every connection carries one call, so its buffers are in use once.
  await Promise.all(Array.from({ length: n }, (_, i) => client.prediction.predictLTV({ ...request, requestId: `m-${i}` })));
  await new Promise((r) => setTimeout(r, 50));
  const after = settle();
  const open = client.metrics().pool?.prediction?.open;
  console.log(JSON.stringify({ connections: n, open, heapPerConnection: (after.heap - before.heap) / n, rssPerConnection: (after.rss - before.rss) / n }));
  await client.close();
  await warm.close();
}

const run = mode === "cold-start" ? coldStart : mode === "pool-memory" ? poolMemory : undefined;
if (!run || !sdkPath || !url) {
  console.error("usage: bench-probe.mjs cold-start|pool-memory <sdk.mjs> <url> [connections]");
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
