// The independent grpc-js server (test/support/grpc-js-server.mjs) answers
// connect-node's gRPC transport: checks the wire contract from the other side.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

let server: ServerProcess;
let prediction: Client<typeof SyncValueService>;
let storage: Client<typeof StorageService>;

beforeAll(async () => {
  server = await spawnServer({
    command: [process.execPath, "test/support/grpc-js-server.mjs", "--port", "0"],
    ready: /grpc-js server listening port=(?<port>\d+)/,
  });
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.ready.port}` });
  prediction = createClient(SyncValueService, transport);
  storage = createClient(StorageService, transport);
});

afterAll(async () => {
  await server?.kill();
});

describe("grpc-js test server", () => {
  it("answers PredictLTV with its own trivial logic", async () => {
    const res = await prediction.predictLTV({
      requestId: "r1",
      customerId: "c1",
      platform: "meta",
      eventHistory: [
        { eventType: "purchase", eventValue: 10, timestampMs: 1n },
        { eventType: "click", eventValue: 99, timestampMs: 2n },
        { eventType: "purchase", eventValue: 5.5, timestampMs: 3n },
      ],
    });
    expect(res.requestId).toBe("r1");
    expect(res.predictedLtv).toBe(31);
    expect(res.ltvLowerBound).toBeCloseTo(27.9);
    expect(res.ltvUpperBound).toBeCloseTo(34.1);
    expect(res.status).toBe(PredictionStatus.SUCCESS);
    expect(typeof res.timestampMs).toBe("bigint");
    expect(res.topFeatures[0]?.value).toBe(15.5);
  });

  it("round-trips uint64 values above 2^53 as exact bigints", async () => {
    const stats = await storage.getStats({});
    expect(stats.written).toBe(9007199254740993n);
    const first = await storage.learnConcept({ conceptId: "a", content: "A", embedding: [1, 0], strength: 1, confidence: 1 });
    const second = await storage.learnAssociation({ sourceId: "a", targetId: "b", assocType: 1, confidence: 0.5 });
    expect(first.sequence).toBe(9007199254740994n);
    expect(second.sequence).toBe(first.sequence + 1n);
    expect((await storage.getStats({})).written).toBe(second.sequence);
  });

  it("answers the status named by a fail: trigger", async () => {
    for (const [name, code] of [
      ["UNAVAILABLE", Code.Unavailable],
      ["INTERNAL", Code.Internal],
      ["NOT_FOUND", Code.NotFound],
    ] as const) {
      const err = await prediction.predictLTV({ customerId: `fail:${name}`, platform: "x" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(code);
      expect((err as ConnectError).rawMessage).toBe(`forced ${name}`);
    }
  });

  it("delays a slow: trigger", async () => {
    const started = performance.now();
    const res = await prediction.predictLTV({ customerId: "slow:150", platform: "x" });
    expect(res.status).toBe(PredictionStatus.INSUFFICIENT_DATA);
    // A lower bound only: the server must have waited, however slow the machine is.
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("turns a failing batch item into a MODEL_ERROR response", async () => {
    const res = await prediction.predictLTVBatch({
      requests: [
        { requestId: "ok", customerId: "c", platform: "x" },
        { requestId: "bad", customerId: "fail:INTERNAL", platform: "x" },
      ],
    });
    expect(res.totalProcessed).toBe(2);
    expect(res.successful).toBe(1);
    expect(res.failed).toBe(1);
    expect(res.responses[1]?.status).toBe(PredictionStatus.MODEL_ERROR);
    expect(res.responses[1]?.errorMessage).toBe("forced INTERNAL");
  });

  it("streams one response per request, in order", async () => {
    async function* requests() {
      for (let i = 0; i < 5; i++) {
        yield { requestId: `s${i}`, customerId: "c", platform: "x", eventHistory: [{ eventType: "purchase", eventValue: i }] };
      }
    }
    const seen: Array<[string, number]> = [];
    for await (const res of prediction.predictLTVStream(requests())) seen.push([res.requestId, res.predictedLtv]);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [`s${i}`, i * 2]));
  });

  it("ends a stream with the status of a fail: item, after the earlier answers", async () => {
    async function* requests() {
      yield { requestId: "first", customerId: "c", platform: "x" };
      yield { requestId: "second", customerId: "fail:UNAVAILABLE", platform: "x" };
    }
    const seen: string[] = [];
    const err = await (async () => {
      for await (const res of prediction.predictLTVStream(requests())) seen.push(res.requestId);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["first"]);
    expect(ConnectError.from(err).code).toBe(Code.Unavailable);
  });

  it("answers QueryConcept of `missing` with found=false", async () => {
    expect((await storage.queryConcept({ conceptId: "missing" })).found).toBe(false);
    const other = await storage.queryConcept({ conceptId: "zzz" });
    expect(other.found).toBe(true);
    expect(other.content).toBe("content of zzz");
  });

  it("implements the remaining storage rpcs", async () => {
    await storage.learnConcept({ conceptId: "v1", content: "", embedding: [0, 3], strength: 1, confidence: 1 });
    await storage.learnAssociation({ sourceId: "v1", targetId: "a", assocType: 0, confidence: 1 });
    expect((await storage.getNeighbors({ conceptId: "v1" })).neighborIds).toEqual(["a"]);
    expect(await storage.findPath({ startId: "v1", endId: "a", maxDepth: 1 })).toMatchObject({ found: true, path: ["v1", "a"] });
    const search = await storage.vectorSearch({ queryVector: [0, 1], k: 1, efSearch: 0 });
    expect(search.results.map((r) => r.conceptId)).toEqual(["v1"]);
    expect((await storage.flush({})).success).toBe(true);
    expect(await storage.healthCheck({})).toMatchObject({ healthy: true, status: "ok" });
    expect((await prediction.getModelHealth({ includeMetrics: true })).isHealthy).toBe(true);
  });
});
