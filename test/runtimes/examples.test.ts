// Every example in examples/ is built (`npm test` builds them into
// .build/examples with tsup, `syncvalue` left external) and smoke-run here the
// way its platform runs it, against the reference server on 127.0.0.1.
import { execFile } from "node:child_process";
import { EdgeRuntime } from "edge-runtime";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import { spawnServer } from "../support/server-process.js";
import { bundleGuest } from "./support/bundle-guest.js";
import { repoRoot } from "./support/run-guest.js";

const built = `${repoRoot}.build/examples`;
let server: ReferenceServerProcess;
// The examples' bid-time deadlines (30-80 ms) are for production; a shared CI
// machine may be slower, and speed is not what these tests check.
const slowMachineTimeoutMs = "3000";
// A purchase history, so the model has something to predict from.
const events = [1, 2, 3].map((weeks) => ({ timestampMs: Date.now() - weeks * 7 * 86_400_000, eventType: "purchase", eventValue: 30 + weeks }));

function runNode(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, timeout: timeoutMs, killSignal: "SIGKILL", env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await spawnReferenceServer("--tcp-port", "0");
});

afterAll(async () => {
  await server?.kill();
});

describe("examples", () => {
  it("bid-only embed: bids with no network, reproducibly", async () => {
    const first = await runNode([`${built}/bid-only-embed.js`]);
    const second = await runNode([`${built}/bid-only-embed.js`]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^c-1 meta: bid [\d.]+ CPM/m);
    expect(first.stdout).toMatch(/^c-3 google_ads: .*heuristic/m);
    expect(first.stdout).toMatch(/bid-only embed: 3 impressions, \d won, spent [\d.]+ of 50/);
    expect(second.stdout).toBe(first.stdout);
  });

  it("AWS Lambda handler: warm client outside the handler, several invocations, the process exits on its own", async () => {
    const invoke = `
      const { handler } = await import(${JSON.stringify(`${built}/aws-lambda-handler.js`)});
      const events = ${JSON.stringify(events)};
      const out = [];
      for (const customerId of ["c-1", "c-2", "c-1"]) out.push(JSON.parse((await handler({ customerId, platform: "meta", conversionRate: 0.02, floorCpm: 0.1, events })).body));
      // A floor above the whole budget: a no-bid, which must say why.
      out.push(JSON.parse((await handler({ customerId: "c-1", platform: "meta", conversionRate: 0.02, floorCpm: 1e9, events })).body));
      console.log(JSON.stringify(out));`;
    for (const url of [server.url, server.ready.tcp!]) {
      // No close(): a Lambda never closes its client, and an idle client must not keep Node alive.
      const { code, stdout, stderr } = await runNode(["--input-type=module", "-e", invoke], { SYNCVALUE_PREDICTION_URL: url, SYNCVALUE_TIMEOUT_MS: slowMachineTimeoutMs });
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const results = JSON.parse(stdout) as { noBid: boolean; bidCpm: number; reason: string; predictedLtv: number; source: string }[];
      expect(results).toHaveLength(4);
      for (const r of results.slice(0, 3)) expect(r).toMatchObject({ noBid: false, source: "AI_PREDICTION", reason: "ai_prediction" });
      expect(results[2]!.predictedLtv).toBe(results[0]!.predictedLtv);
      expect(results[3]).toMatchObject({ noBid: true, reason: "budget_exhausted" });
    }
  });

  it("Node bidder service: prices impressions over TCP predictions", async () => {
    const service = await spawnServer({
      command: [process.execPath, `${built}/node-bidder-service.js`],
      ready: /bidder service listening (?<url>http:\/\/127\.0\.0\.1:\d+)/,
      env: { SYNCVALUE_PREDICTION_URL: server.ready.tcp!, SYNCVALUE_PREDICTION_HTTP_URL: server.url, PORT: "0", SYNCVALUE_TIMEOUT_MS: slowMachineTimeoutMs },
      cwd: repoRoot,
    });
    try {
      const bid = await fetch(`${service.ready.url}/bid`, { method: "POST", body: JSON.stringify({ customerId: "c-9", platform: "tiktok", conversionRate: 0.01, events }) });
      expect(bid.status).toBe(200);
      const body = (await bid.json()) as { noBid: boolean; bidCpm: number; source: string };
      expect(body).toMatchObject({ noBid: false, source: "AI_PREDICTION" });
      expect(body.bidCpm).toBeGreaterThan(0);
      const bad = await fetch(`${service.ready.url}/bid`, { method: "POST", body: "{" });
      expect(bad.status).toBe(400);
    } finally {
      await service.kill();
    }
  });

  it("Cloudflare Worker: bundled with the workerd condition, runs in workerd", async () => {
    const { code, inputs } = await bundleGuest({
      entry: `${built}/cloudflare-worker.js`,
      outfile: "example-cloudflare-worker.mjs",
      conditions: ["workerd", "worker", "browser"],
      format: "esm",
      external: ["cloudflare:sockets"],
    });
    expect(inputs).toContain("dist/index-workerd.js");
    const mf = new Miniflare({ modules: true, script: code, compatibilityDate: "2025-04-01", bindings: { SYNCVALUE_PREDICTION_URL: server.url, SYNCVALUE_TIMEOUT_MS: slowMachineTimeoutMs } });
    try {
      const ok = await mf.dispatchFetch("http://worker.local/", { method: "POST", body: JSON.stringify({ customerId: "c-1", platform: "meta", events }) });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ noBid: false, predictedLtv: expect.any(Number) });
      const missing = await mf.dispatchFetch("http://worker.local/", { method: "POST", body: "{}" });
      expect(missing.status).toBe(400);
    } finally {
      await mf.dispose();
    }
  });

  it("Vercel edge function: bundled with the edge-light condition, runs in edge-runtime", async () => {
    const { code, inputs } = await bundleGuest({
      stdin: `import handler from ${JSON.stringify(`${built}/vercel-edge-function.js`)};
        addEventListener("fetch", (event) => event.respondWith(handler(event.request)));`,
      outfile: "example-vercel-edge.js",
      conditions: ["edge-light", "worker", "browser"],
      format: "iife",
    });
    expect(inputs).toContain("dist/index.js");
    const runtime = new EdgeRuntime({
      initialCode: code,
      extend: (context) => Object.assign(context, { process: { env: { SYNCVALUE_PREDICTION_URL: server.url, SYNCVALUE_TIMEOUT_MS: slowMachineTimeoutMs } } }),
    });
    const ok = await runtime.dispatchFetch("http://edge.local/api/ltv?customer=c-1&platform=meta");
    await ok.waitUntil();
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { predictedLtv: number; lower: number; upper: number };
    expect(body.lower).toBeLessThanOrEqual(body.predictedLtv);
    expect(body.predictedLtv).toBeLessThanOrEqual(body.upper);
    const bad = await runtime.dispatchFetch("http://edge.local/api/ltv?platform=meta");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "InvalidArgument" });
  });
});
