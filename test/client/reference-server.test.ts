import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import type { EndpointOptions } from "../../src/client/client-options.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

// Every RPC of both services, over every protocol the client speaks, against
// the reference server running as its own process.
let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServer();
});
afterAll(async () => {
  await server?.kill();
});

const DAY = 86_400_000n;
const now = 1_790_000_000_000n;
const request = (id: string, customerId = `cust-${id}`, platform = "meta") => ({
  requestId: id,
  timestampMs: now,
  customerId,
  platform,
  eventHistory: [
    { timestampMs: now - 30n * DAY, eventType: "purchase", eventValue: 80 },
    { timestampMs: now - 5n * DAY, eventType: "purchase", eventValue: 120 },
    { timestampMs: now - 1n * DAY, eventType: "click", eventValue: 0 },
  ],
});

const variants: [string, Omit<EndpointOptions, "url">][] = [
  ["gRPC over HTTP/2", { protocol: "grpc" }],
  ["Connect over HTTP/2", { protocol: "connect" }],
  ["gRPC-web over HTTP/2", { protocol: "grpc-web" }],
  ["Connect over HTTP/1.1", { protocol: "connect", httpVersion: "1.1" }],
];

for (const [name, endpoint] of variants) {
  describe(name, () => {
    const make = () =>
      createClient({
        prediction: { url: server.url, ...endpoint },
        storage: { url: server.url, ...endpoint },
        timeoutMs: 5_000,
      });

    it("predicts one LTV with every field filled", async () => {
      const client = make();
      try {
        const res = await client.prediction.predictLTV(request("one"));
        expect(res.requestId).toBe("one");
        expect(res.status).toBe(PredictionStatus.SUCCESS);
        expect(res.predictedLtv).toBeGreaterThan(0);
        expect(res.ltvLowerBound).toBeLessThanOrEqual(res.predictedLtv);
        expect(res.ltvUpperBound).toBeGreaterThanOrEqual(res.predictedLtv);
        expect(res.confidence).toBeGreaterThan(0);
        expect(res.confidence).toBeLessThanOrEqual(1);
        expect(res.modelVersion).not.toBe("");
        expect(res.topFeatures.length).toBeGreaterThan(0);
        expect(res.timestampMs).toBeGreaterThan(0n);
      } finally {
        await client.close();
      }
    });

    it("accepts the platform case-insensitively", async () => {
      const client = make();
      try {
        const res = await client.prediction.predictLTV(request("case", "cust-case", "TikTok"));
        expect(res.status).toBe(PredictionStatus.SUCCESS);
      } finally {
        await client.close();
      }
    });

    it("predicts a batch, each answer matched to its request", async () => {
      const client = make();
      try {
        const ids = Array.from({ length: 25 }, (_, i) => `b-${i}`);
        const empty = { ...request("b-empty"), eventHistory: [] };
        const res = await client.prediction.predictLTVBatch({ requests: [...ids.map((id) => request(id)), empty] });
        expect(res.responses.map((r) => r.requestId)).toEqual([...ids, "b-empty"]);
        expect(res.totalProcessed).toBe(26);
        expect(res.successful + res.failed).toBe(26);
        expect(res.responses.at(-1)!.status).toBe(PredictionStatus.INSUFFICIENT_DATA);
        expect(res.responses.at(-1)!.predictedLtv).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    });

    // Bidirectional streaming needs HTTP/2.
    it.skipIf(endpoint.httpVersion === "1.1")("streams predictions in both directions", async () => {
      const client = make();
      try {
        async function* requests() {
          for (let i = 0; i < 20; i++) yield request(`s-${i}`);
        }
        const seen: string[] = [];
        for await (const res of client.prediction.predictLTVStream(requests(), { timeoutMs: 5_000 })) seen.push(res.requestId);
        expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `s-${i}`));
      } finally {
        await client.close();
      }
    });

    it("reports model health measured by the server", async () => {
      const client = make();
      try {
        await client.prediction.predictLTV(request("h"));
        const health = await client.prediction.getModelHealth({ includeMetrics: true });
        expect(health.isHealthy).toBe(true);
        expect(health.predictionsToday).toBeGreaterThan(0n);
        expect(health.modelVersion).not.toBe("");
      } finally {
        await client.close();
      }
    });

    it("runs all nine storage operations", async () => {
      const client = make();
      const tag = name.replace(/\W+/g, "-");
      const id = (s: string) => `${tag}:${s}`;
      // Each variant owns three axes of a 12-dimensional space, so the
      // variants' concepts (one shared store) never compete in a search.
      const base = variants.findIndex(([n]) => n === name) * 3;
      const axis = (...v: number[]) => Array.from({ length: 12 }, (_, i) => (i >= base && i < base + 3 ? (v[i - base] ?? 0) : 0));
      try {
        const s = client.storage;
        const a = await s.learnConcept({ conceptId: id("a"), content: "alpha", embedding: axis(1), strength: 1, confidence: 0.9 });
        const b = await s.learnConcept({ conceptId: id("b"), content: "beta", embedding: axis(0.9, 0.1), strength: 1, confidence: 0.8 });
        await s.learnConcept({ conceptId: id("c"), content: "gamma", embedding: axis(0, 0, 1), strength: 1, confidence: 0.7 });
        expect(b.sequence).toBeGreaterThan(a.sequence);
        const q = await s.queryConcept({ conceptId: id("a") });
        expect(q).toMatchObject({ found: true, conceptId: id("a"), content: "alpha" });
        expect(q.confidence).toBeCloseTo(0.9, 5);
        expect((await s.queryConcept({ conceptId: id("missing") })).found).toBe(false);
        const ab = await s.learnAssociation({ sourceId: id("a"), targetId: id("b"), assocType: 1, confidence: 1 });
        await s.learnAssociation({ sourceId: id("b"), targetId: id("c"), assocType: 1, confidence: 1 });
        expect(ab.sequence).toBeGreaterThan(b.sequence);
        expect((await s.getNeighbors({ conceptId: id("a") })).neighborIds).toContain(id("b"));
        const path = await s.findPath({ startId: id("a"), endId: id("c"), maxDepth: 5 });
        expect(path).toMatchObject({ found: true, path: [id("a"), id("b"), id("c")] });
        expect((await s.findPath({ startId: id("a"), endId: id("c"), maxDepth: 1 })).found).toBe(false);
        const search = await s.vectorSearch({ queryVector: axis(1), k: 2, efSearch: 16 });
        // Cosine order: a (same direction), then b; the other variants' concepts lie on other axes.
        expect(search.results.map((r) => r.conceptId)).toEqual([id("a"), id("b")]);
        expect(search.results[0]!.similarity).toBeCloseTo(1, 5);
        const stats = await s.getStats({});
        expect(stats.concepts).toBeGreaterThanOrEqual(3n);
        expect(stats.edges).toBeGreaterThanOrEqual(2n);
        expect((await s.flush({})).success).toBe(true);
        expect(await s.healthCheck({})).toMatchObject({ healthy: true, status: "ok" });
      } finally {
        await client.close();
      }
    });
  });
}

describe("server errors and client state", () => {
  it("fails calls to a service that has no endpoint with FailedPrecondition", async () => {
    const client = createClient({ storage: server.url });
    const err = await client.prediction.predictLTV(request("x")).catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.FailedPrecondition);
    expect(ConnectError.from(err).rawMessage).toContain("no prediction endpoint");
    await client.close();
  });

  it("fails calls after close() with FailedPrecondition", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000 });
    await client.prediction.predictLTV(request("before-close"));
    await client.close();
    await client.close(); // idempotent
    const err = await client.prediction.predictLTV(request("after-close")).catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.FailedPrecondition);
  });

  it("fails fast with Unavailable when nothing listens", async () => {
    // Without the local fallback (on by default, tested in test/resilience).
    const client = createClient({ prediction: "http://127.0.0.1:1", timeoutMs: 2_000, fallback: false });
    const err = await client.prediction.predictLTV(request("refused")).catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.Unavailable);
    await client.close();
  });
});
