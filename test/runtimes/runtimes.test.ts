// Runs the built package inside each runtime (Node, Bun, Deno, workerd through
// Miniflare, Vercel's edge-runtime) against one reference server on
// 127.0.0.1, and checks every runtime gets what Node gets.
import { EdgeRuntime } from "edge-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import type { ScenarioResult, StepResult } from "./guest/runtime-scenario.js";
import { bundleGuest } from "./support/bundle-guest.js";
import { startWorkerdGuest } from "./support/workerd-guest.js";
import { closedPort } from "./support/closed-port.js";
import { binPath, runGuestProcess } from "./support/run-guest.js";

let server: ReferenceServerProcess;
let deadUrl: string;
let node: ScenarioResult;

// Steps whose outcome depends only on the request: the same in every runtime.
const deterministicSteps = [
  "rejectionTracking",
  "warmup",
  "predictLTV",
  "predictLTVBatch",
  "getModelHealth",
  "learnConcept",
  "queryConcept",
  "cache",
  "predictionClient",
  "errorPredictionClientOption",
  "bid",
  "errorInvalidArgument",
  "errorBadOption",
  "errorNoEndpoint",
  "close",
  "errorAfterClose",
];

function ok(step: StepResult | undefined): unknown {
  expect(step, "step missing").toBeDefined();
  if (!step!.ok) throw new Error(`step failed: ${step!.code} ${step!.message}`);
  return step!.value;
}

function expectSameAsNode(result: ScenarioResult) {
  for (const name of deterministicSteps) expect({ name, result: result.steps[name] }).toEqual({ name, result: node.steps[name] });
  const unreachable = result.steps.errorUnreachable;
  expect(unreachable?.ok).toBe(false);
  // Every runtime reports an unreachable server as Unavailable (fetch's network TypeError included).
  expect(unreachable && !unreachable.ok ? unreachable.code : "").toBe("Unavailable");
  expect(result.unhandledRejections).toEqual([]);
}

/** How the runtime reached an endpoint given as both tcp:// and http://. */
function expectTransportChoice(result: ScenarioResult, auto: "tcp" | "http", forcedTcp: "works" | "unimplemented") {
  expect(ok(result.steps.transportAuto)).toEqual({ used: auto });
  if (forcedTcp === "works") expect(ok(result.steps.transportTcp)).toEqual(ok(node.steps.predictLTV));
  else expect(result.steps.transportTcp).toMatchObject({ ok: false, code: "Unimplemented" });
  expect(result.steps.errorTransportOption).toMatchObject({ ok: false, code: "InvalidArgument", message: expect.stringMatching(/^prediction\.httpUrl: /) });
}

function expectTcpMatchesHttp(result: ScenarioResult) {
  if (!server.ready.tcp) return;
  ok(result.steps["tcp.warmup"]);
  expect(ok(result.steps["tcp.predictLTV"])).toEqual(ok(node.steps.predictLTV));
  expect(ok(result.steps["tcp.learnConcept"])).toEqual({ sequenceIsPositive: true });
  expect(ok(result.steps["tcp.queryConcept"])).toEqual({ found: true, content: "over tcp" });
  ok(result.steps["tcp.close"]);
  expect(ok(result.steps["predictionClient.tcp"])).toEqual({ first: ok(node.steps.predictLTV), poolConnects: true });
}

beforeAll(async () => {
  server = await spawnReferenceServer("--tcp-port", "0");
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
  // Node is the baseline: the guest bundled with `syncvalue` left external,
  // so Node resolves it through package.json "exports" (the `node` condition).
  const { path } = await bundleGuest({ entry: "process-main.ts", outfile: "node-main.mjs", conditions: ["node"], format: "esm", external: ["syncvalue", "syncvalue/*"] });
  const nodeRun = await runGuestProcess(process.execPath, [path, "node", server.url, deadUrl, ...(server.ready.tcp ? [server.ready.tcp] : [])]);
  expect(nodeRun.entry).toMatch(/\/dist\/index-node\.js$/);
  node = nodeRun;
});

afterAll(async () => {
  await server?.kill();
});

describe("runtimes", () => {
  it("node: predictions, storage, bids and errors through the built package", () => {
    const p = ok(node.steps.predictLTV) as { predictedLtv: number; ltvLowerBound: number; ltvUpperBound: number; status: number };
    expect(p.status).toBe(0);
    expect(p.ltvLowerBound).toBeLessThanOrEqual(p.predictedLtv);
    expect(p.predictedLtv).toBeLessThanOrEqual(p.ltvUpperBound);
    expect(ok(node.steps.predictLTVBatch)).toMatchObject({ successful: 3, failed: 0 });
    expect(ok(node.steps.getModelHealth)).toMatchObject({ isHealthy: true });
    expect(ok(node.steps.learnConcept)).toEqual({ sequenceIsPositive: true });
    expect(ok(node.steps.queryConcept)).toEqual({ found: true, content: "likes running shoes" });
    expect(ok(node.steps.cache)).toEqual({ same: true, hits: 1, misses: 1 });
    expect(ok(node.steps.predictionClient)).toEqual({ prediction: p, same: true, hits: 1, misses: 1 });
    expect(node.steps.errorPredictionClientOption).toMatchObject({ ok: false, code: "InvalidArgument", message: expect.stringMatching(/^retry: .*use createClient/) });
    const bid = ok(node.steps.bid) as { noBid: boolean; bidCpm: number; source: string };
    expect(bid.noBid).toBe(false);
    expect(bid.bidCpm).toBeGreaterThan(0);
    expect(bid.source).toBe("AI_PREDICTION");
    expect(node.steps.errorInvalidArgument).toMatchObject({ ok: false, code: "InvalidArgument", message: expect.stringMatching(/^customerId: /) });
    expect(node.steps.errorBadOption).toMatchObject({ ok: false, code: "InvalidArgument", message: expect.stringMatching(/^prediction/) });
    expect(node.steps.errorNoEndpoint).toMatchObject({ ok: false, code: "FailedPrecondition" });
    expect(node.steps.errorUnreachable).toMatchObject({ ok: false, code: "Unavailable" });
    expect(node.steps.errorAfterClose).toMatchObject({ ok: false, code: "FailedPrecondition" });
    expect(ok(node.steps.rejectionTracking)).toEqual({ detected: true });
    expect(node.unhandledRejections).toEqual([]);
    expectTcpMatchesHttp(node);
    expectTransportChoice(node, "tcp", "works");
  });

  it("bun: loads the `bun` build and matches node", async () => {
    const result = await runGuestProcess(binPath("bun"), ["test/runtimes/guest/process-main.ts", "bun", server.url, deadUrl, ...(server.ready.tcp ? [server.ready.tcp] : [])]);
    expect(result.entry).toMatch(/\/dist\/index-bun\.js$/);
    expectSameAsNode(result);
    expectTransportChoice(result, "tcp", "works");
    expectTcpMatchesHttp(result);
    expect(result.stderr).not.toMatch(/unhandled/i);
  });

  it("deno: loads the `deno` build and matches node", async () => {
    const result = await runGuestProcess(binPath("deno"), [
      "run",
      "--sloppy-imports",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      "test/runtimes/guest/process-main.ts",
      "deno",
      server.url,
      deadUrl,
      ...(server.ready.tcp ? [server.ready.tcp] : []),
    ]);
    expect(result.entry).toMatch(/\/dist\/index-deno\.js$/);
    expectSameAsNode(result);
    expectTransportChoice(result, "tcp", "works");
    expectTcpMatchesHttp(result);
    expect(result.stderr).not.toMatch(/unhandled/i);
  });

  it("workerd (Miniflare): loads the `workerd` build and matches node", async () => {
    const { mf, inputs, logged } = await startWorkerdGuest("workerd-worker.ts");
    expect(inputs).toContain("dist/index-workerd.js");
    try {
      const query = new URLSearchParams({ http: server.url, dead: deadUrl, ...(server.ready.tcp ? { tcp: server.ready.tcp } : {}) });
      const response = await mf.dispatchFetch(`http://worker.local/?${query}`);
      const result = (await response.json()) as ScenarioResult;
      expectSameAsNode(result);
      // HTTP unless asked: a Worker cannot pool sockets; asked, TCP goes through cloudflare:sockets.
      expectTransportChoice(result, "http", "works");
      if (server.ready.tcp) {
        // createPredictionClient carries raw TCP in a Worker only when given `tcpTransport` (its bundle stays small).
        expect(result.steps["predictionClient.tcpWithout"]).toMatchObject({ ok: false, code: "Unimplemented", message: expect.stringMatching(/^endpoint: .*tcpTransport/) });
        expect(ok(result.steps["predictionClient.tcp"])).toEqual(ok(node.steps.predictLTV));
      }
    } finally {
      await mf.dispose();
    }
    expect(logged()).not.toMatch(/unhandled|uncaught/i);
  });

  it("edge-runtime (Vercel): loads the `edge-light` build with code generation disabled and matches node", async () => {
    const { code, inputs } = await bundleGuest({ entry: "edge-function.ts", outfile: "edge-function.js", conditions: ["edge-light", "worker", "browser"], format: "iife" });
    expect(inputs).toContain("dist/index.js");
    expect(inputs.filter((i) => i.startsWith("dist/index-"))).toEqual([]);
    const runtime = new EdgeRuntime({ initialCode: code });
    const query = new URLSearchParams({ http: server.url, dead: deadUrl, ...(server.ready.tcp ? { tcp: server.ready.tcp } : {}) });
    // edge-runtime runs the guest in this process: it forwards this process's unhandled rejections to the
    // guest's `unhandledrejection` listeners, but not a late handler. The scenario's probe is handled late on
    // purpose, so Node would print a PromiseRejectionHandledWarning into the test run; the late handler is
    // this listener's to take.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    const onHandled = () => {};
    process.on("warning", onWarning);
    process.on("rejectionHandled", onHandled);
    let result: ScenarioResult;
    try {
      const response = await runtime.dispatchFetch(`http://edge.local/?${query}`);
      await response.waitUntil();
      result = (await response.json()) as ScenarioResult;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("rejectionHandled", onHandled);
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("PromiseRejectionHandledWarning");
    expectSameAsNode(result);
    // No sockets on Vercel's edge: HTTP, and a forced tcp:// is refused.
    expectTransportChoice(result, "http", "unimplemented");
  });
});
