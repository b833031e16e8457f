import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import type { SyncValueClient } from "../../src/client/create-client.js";
import { spawnGrpcJsServer, type ReferenceServerProcess } from "../support/reference-server.js";

// Interop with an independent implementation: @grpc/grpc-js serving the same
// .proto files, in its own process. Not our server, not our encoder.
let server: ReferenceServerProcess;
// These tests are about the wire and the codes the server sends: no cache,
// retry, breaker or local fallback may stand between the call and the answer
// (those layers have tests of their own in test/resilience and test/cache).
const wireOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
let client: SyncValueClient;
beforeAll(async () => {
  server = await spawnGrpcJsServer();
  client = createClient({ prediction: server.url, storage: server.url, timeoutMs: 5_000, ...wireOnly });
});
afterAll(async () => {
  await client?.close();
  await server?.kill();
});

const request = (customerId: string, requestId = customerId) => ({
  requestId,
  customerId,
  platform: "google_ads",
  eventHistory: [
    { timestampMs: 1_000n, eventType: "purchase", eventValue: 30 },
    { timestampMs: 2_000n, eventType: "purchase", eventValue: 12.5 },
    { timestampMs: 3_000n, eventType: "view", eventValue: 0 },
  ],
});

describe("every RPC against grpc-js", () => {
  it("PredictLTV decodes the other server's answer", async () => {
    const res = await client.prediction.predictLTV(request("c-1", "r-1"));
    expect(res.requestId).toBe("r-1");
    // The grpc-js server's own rule: twice the sum of purchase values.
    expect(res.predictedLtv).toBeCloseTo(2 * (30 + 12.5), 9);
  });

  it("PredictLTVBatch and PredictLTVStream keep every answer with its request", async () => {
    const ids = ["x1", "x2", "x3", "x4"];
    const batch = await client.prediction.predictLTVBatch({ requests: ids.map((id) => request(id)) });
    expect(batch.responses.map((r) => r.requestId)).toEqual(ids);
    async function* input() {
      for (const id of ids) yield request(id);
    }
    const streamed: string[] = [];
    for await (const r of client.prediction.predictLTVStream(input())) streamed.push(r.requestId);
    expect(streamed).toEqual(ids);
  });

  it("GetModelHealth", async () => {
    const health = await client.prediction.getModelHealth({ includeMetrics: true });
    expect(typeof health.isHealthy).toBe("boolean");
    expect(typeof health.uptimeSeconds).toBe("bigint");
  });

  it("storage RPCs, with uint64 above 2^53 kept exact as bigint", async () => {
    const s = client.storage;
    const learned = await s.learnConcept({ conceptId: "g-a", content: "alpha", embedding: [1, 0], strength: 1, confidence: 0.5 });
    expect(typeof learned.sequence).toBe("bigint");
    expect((await s.queryConcept({ conceptId: "missing" })).found).toBe(false);
    await s.learnAssociation({ sourceId: "g-a", targetId: "g-b", assocType: 2, confidence: 0.5 });
    await s.getNeighbors({ conceptId: "g-a" });
    await s.findPath({ startId: "g-a", endId: "g-b", maxDepth: 3 });
    await s.vectorSearch({ queryVector: [1, 0], k: 1, efSearch: 8 });
    const stats = await s.getStats({});
    // The grpc-js server's counter starts at 2^53 + 1 and every write returns
    // its new value: the last write's sequence, exact, is what it reports.
    const last = await s.learnAssociation({ sourceId: "g-b", targetId: "g-a", assocType: 1, confidence: 1 });
    expect(last.sequence).toBeGreaterThan(9007199254740993n);
    expect((await s.getStats({})).written).toBe(last.sequence);
    expect(stats.written).toBe(last.sequence - 1n);
    expect((await s.flush({})).success).toBe(true);
    expect((await s.healthCheck({})).healthy).toBe(true);
  });
});

describe("server errors map to Connect codes", () => {
  const cases: [string, Code][] = [
    ["UNAVAILABLE", Code.Unavailable],
    ["INTERNAL", Code.Internal],
    ["NOT_FOUND", Code.NotFound],
    ["RESOURCE_EXHAUSTED", Code.ResourceExhausted],
    ["UNAUTHENTICATED", Code.Unauthenticated],
  ];
  for (const [status, code] of cases) {
    it(`${status} -> Code.${Code[code]}`, async () => {
      const err = await client.prediction.predictLTV(request(`fail:${status}`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(code);
      expect((err as ConnectError).rawMessage).toBe(`forced ${status}`);
    });
  }
});

describe("deadlines", () => {
  it("the default of 100 ms applies when nothing else is set", async () => {
    const fresh = createClient({ prediction: server.url, ...wireOnly });
    try {
      await fresh.warmup();
      const t0 = performance.now();
      const err = await fresh.prediction.predictLTV(request("slow:1500")).catch((e: unknown) => e);
      expect(ConnectError.from(err).code).toBe(Code.DeadlineExceeded);
      // Well before the server's 1.5 s answer: the deadline, not the server, ended it.
      expect(performance.now() - t0).toBeLessThan(1_400);
    } finally {
      await fresh.close();
    }
  });

  it("the client's timeoutMs overrides the default", async () => {
    const res = await client.prediction.predictLTV(request("slow:200"));
    expect(res.requestId).toBe("slow:200");
  });

  it("a call's timeoutMs overrides the client's", async () => {
    const err = await client.prediction.predictLTV(request("slow:1500"), { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.DeadlineExceeded);
  });

  it("an AbortSignal cancels a call", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await client.prediction.predictLTV(request("slow:1500"), { signal: ac.signal }).catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.Canceled);
  });
});
