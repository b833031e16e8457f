import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";

// createClient over tcp:// against the reference server's TCP binding, and
// the auth token on both bindings, with the server in its own process.
const TOKEN = "s3cr3t-token-for-tests";
const wireOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: TOKEN });
  expect(server.tcpUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
});
afterAll(async () => {
  await server?.kill();
});

const now = 1_790_000_000_000n;
const request = (id: string) => ({
  requestId: id,
  timestampMs: now,
  customerId: `cust-${id}`,
  platform: "amazon",
  eventHistory: [{ timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: 64 }],
});

describe("createClient over tcp://", () => {
  const make = () =>
    createClient({ prediction: server.tcpUrl, storage: server.tcpUrl, auth: { token: TOKEN }, timeoutMs: 5_000, ...wireOnly });

  it("answers every prediction RPC, each with its own request id", async () => {
    const client = make();
    try {
      await client.warmup();
      const one = await client.prediction.predictLTV(request("t-1"));
      expect(one.requestId).toBe("t-1");
      expect(one.status).toBe(PredictionStatus.SUCCESS);
      expect(one.ltvLowerBound).toBeLessThanOrEqual(one.predictedLtv);
      const ids = Array.from({ length: 40 }, (_, i) => `t-c${i}`);
      const answers = await Promise.all(ids.map((id) => client.prediction.predictLTV(request(id))));
      expect(answers.map((a) => a.requestId)).toEqual(ids);
      const batch = await client.prediction.predictLTVBatch({ requests: ids.slice(0, 5).map(request) });
      expect(batch.responses.map((r) => r.requestId)).toEqual(ids.slice(0, 5));
      expect(batch.totalProcessed).toBe(5);
      async function* input() {
        for (const id of ids.slice(0, 6)) yield request(id);
      }
      const streamed: string[] = [];
      for await (const r of client.prediction.predictLTVStream(input())) streamed.push(r.requestId);
      expect(streamed).toEqual(ids.slice(0, 6));
      const health = await client.prediction.getModelHealth({ includeMetrics: true });
      expect(health.predictionsToday).toBeGreaterThanOrEqual(BigInt(1 + ids.length + 5 + 6));
    } finally {
      await client.close();
    }
  });

  it("runs the nine storage operations with float32 and uint64 intact", async () => {
    const client = make();
    try {
      const s = client.storage;
      const a = await s.learnConcept({ conceptId: "tcp:a", content: "alpha", embedding: [0.1, 0.2, 0.3], strength: 0.7, confidence: 0.9 });
      const b = await s.learnConcept({ conceptId: "tcp:b", content: "beta", embedding: [0.1, 0.2, 0.31], strength: 1, confidence: 1 });
      expect(typeof a.sequence).toBe("bigint");
      expect(b.sequence).toBeGreaterThan(a.sequence);
      const q = await s.queryConcept({ conceptId: "tcp:a" });
      expect(q.found).toBe(true);
      expect(q.content).toBe("alpha");
      // Sent and answered as float32: exactly what Math.fround makes of it.
      expect(q.strength).toBe(Math.fround(0.7));
      expect(q.confidence).toBe(Math.fround(0.9));
      await s.learnAssociation({ sourceId: "tcp:a", targetId: "tcp:b", assocType: 7, confidence: 0.5 });
      expect((await s.getNeighbors({ conceptId: "tcp:a" })).neighborIds).toEqual(["tcp:b"]);
      expect(await s.findPath({ startId: "tcp:a", endId: "tcp:b", maxDepth: 2 })).toMatchObject({ found: true, path: ["tcp:a", "tcp:b"] });
      const search = await s.vectorSearch({ queryVector: [0.1, 0.2, 0.3], k: 1, efSearch: 4 });
      expect(search.results.map((r) => r.conceptId)).toEqual(["tcp:a"]);
      const stats = await s.getStats({});
      expect(stats.concepts).toBeGreaterThanOrEqual(2n);
      expect((await s.flush({})).success).toBe(true);
      expect(await s.healthCheck({})).toMatchObject({ healthy: true, status: "ok" });
      expect((await s.queryConcept({ conceptId: "tcp:none" })).found).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe("auth token", () => {
  for (const [name, url] of [
    ["gRPC", () => server.url],
    ["TCP", () => server.tcpUrl],
  ] as const) {
    it(`${name}: the right token is accepted`, async () => {
      const client = createClient({ prediction: url(), auth: { token: TOKEN }, timeoutMs: 5_000, ...wireOnly });
      try {
        expect((await client.prediction.predictLTV(request("ok"))).requestId).toBe("ok");
      } finally {
        await client.close();
      }
    });

    for (const auth of [undefined, { token: "wrong-token" }]) {
      it(`${name}: ${auth ? "a wrong" : "no"} token is refused, the token never echoed`, async () => {
        const client = createClient({ prediction: url(), timeoutMs: 5_000, ...wireOnly, ...(auth ? { auth } : {}) });
        try {
          const err = await client.prediction.predictLTV(request("no")).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(ConnectError);
          // Without a handshake the TCP protocol gives the client no refusal to
          // read: the server just closes. A refused token is a clear refusal.
          const expected = name === "TCP" && !auth ? Code.Unavailable : Code.Unauthenticated;
          expect((err as ConnectError).code).toBe(expected);
          expect(String((err as Error).message)).not.toContain("wrong-token");
          expect(String((err as Error).message)).not.toContain(TOKEN);
        } finally {
          await client.close();
        }
      });
    }
  }
});
