// Every unary RPC of both services through the lean fetch transport, over
// Connect and gRPC-web, against the reference server in its own process.
// Answers are checked against connect-node's client asking the same server.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { SyncValueService, type LTVPredictionResponse } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createFetchTransport } from "../../src/web/index.js";
import { spawnReferenceServer, spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";
import { oracleTransport } from "./oracle-transport.js";

let server: ReferenceServerProcess;
let authServer: ReferenceServerProcess;
const token = `web-${process.pid}-token`;
beforeAll(async () => {
  [server, authServer] = await Promise.all([
    spawnReferenceServer(),
    spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: token }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.kill(), authServer?.kill()]);
});

const DAY = 86_400_000n;
const now = 1_790_000_000_000n;
const request = (id: string, purchases: number[]) => ({
  requestId: id,
  timestampMs: now,
  customerId: `cust-${id}`,
  platform: "google_ads",
  currentCac: 15,
  eventHistory: purchases.map((v, i) => ({ timestampMs: now - BigInt(i + 1) * 9n * DAY, eventType: "purchase", eventValue: v })),
});
// What the model decides; ids, clocks and timings vary per call.
const decided = (r: LTVPredictionResponse) => ({
  requestId: r.requestId,
  predictedLtv: r.predictedLtv,
  confidence: r.confidence,
  ltvLowerBound: r.ltvLowerBound,
  ltvUpperBound: r.ltvUpperBound,
  modelVersion: r.modelVersion,
  topFeatures: r.topFeatures.map((f) => ({ name: f.name, importance: f.importance, value: f.value })),
  status: r.status,
});

for (const protocol of ["connect", "grpc-web"] as const) {
  describe(`${protocol} over fetch`, () => {
    const prediction = () => createClient(SyncValueService, createFetchTransport({ baseUrl: server.url, protocol }));
    const storage = () => createClient(StorageService, createFetchTransport({ baseUrl: server.url, protocol }));
    const oracle = () => ({
      prediction: createClient(SyncValueService, oracleTransport(server.url)),
      storage: createClient(StorageService, oracleTransport(server.url)),
    });

    it("PredictLTV, PredictLTVBatch and GetModelHealth answer what connect-node gets", async () => {
      const req = request(`${protocol}-one`, [40, 75.5, 120]);
      const [mine, theirs] = await Promise.all([prediction().predictLTV(req), oracle().prediction.predictLTV(req)]);
      expect(decided(mine)).toEqual(decided(theirs));
      expect(mine.predictedLtv).toBeGreaterThan(0);

      const batch = { requests: [request("b1", [10]), request("b2", [30, 60]), request("b3", [])] };
      const [myBatch, theirBatch] = await Promise.all([prediction().predictLTVBatch(batch), oracle().prediction.predictLTVBatch(batch)]);
      expect(myBatch.responses.map(decided)).toEqual(theirBatch.responses.map(decided));
      expect([myBatch.totalProcessed, myBatch.successful, myBatch.failed]).toEqual([theirBatch.totalProcessed, theirBatch.successful, theirBatch.failed]);

      const health = await prediction().getModelHealth({ includeMetrics: true });
      const theirHealth = await oracle().prediction.getModelHealth({ includeMetrics: true });
      expect({ healthy: health.isHealthy, version: health.modelVersion }).toEqual({ healthy: theirHealth.isHealthy, version: theirHealth.modelVersion });
      // Both calls above were counted by the server, ours first.
      expect(theirHealth.predictionsToday).toBeGreaterThanOrEqual(health.predictionsToday);
    });

    it("every storage RPC: writes through fetch are read back by connect-node and the other way round", async () => {
      const s = storage();
      const o = oracle().storage;
      const a = `${protocol}-a`;
      const b = `${protocol}-b`;
      // Each protocol's concept has its own embedding, so each search has one nearest answer.
      const embedding = protocol === "connect" ? [1, 0, 0.5] : [0.5, 0, 1];
      const learned = await s.learnConcept({ conceptId: a, content: `written over ${protocol}`, embedding, strength: 0.75, confidence: 0.5 });
      expect(learned.sequence).toBeGreaterThan(0n);
      expect(await o.queryConcept({ conceptId: a })).toMatchObject({ found: true, content: `written over ${protocol}` });
      await o.learnConcept({ conceptId: b, content: "written by connect-node", embedding: [0, 1, 0] });
      expect(await s.queryConcept({ conceptId: b })).toMatchObject({ found: true, conceptId: b, content: "written by connect-node" });

      const assoc = await s.learnAssociation({ sourceId: a, targetId: b, assocType: 1, confidence: 0.5 });
      expect(assoc.sequence).toBeGreaterThan(learned.sequence);
      expect((await s.getNeighbors({ conceptId: a })).neighborIds).toEqual((await o.getNeighbors({ conceptId: a })).neighborIds);
      expect((await s.getNeighbors({ conceptId: a })).neighborIds).toContain(b);
      const path = await s.findPath({ startId: a, endId: b, maxDepth: 3 });
      expect(path).toMatchObject({ found: true });
      expect(path.path).toEqual((await o.findPath({ startId: a, endId: b, maxDepth: 3 })).path);

      const query = { queryVector: embedding, k: 2, efSearch: 16 };
      const [mine, theirs] = await Promise.all([s.vectorSearch(query), o.vectorSearch(query)]);
      expect(mine.results.map((r) => [r.conceptId, r.similarity])).toEqual(theirs.results.map((r) => [r.conceptId, r.similarity]));
      expect(mine.results[0]?.conceptId).toBe(a);

      const [myStats, theirStats] = [await s.getStats({}), await o.getStats({})];
      expect([myStats.concepts, myStats.edges, myStats.written]).toEqual([theirStats.concepts, theirStats.edges, theirStats.written]);
      expect(await s.flush({})).toMatchObject({ success: (await o.flush({})).success });
      const [myHealth, theirHealth] = await Promise.all([s.healthCheck({}), o.healthCheck({})]);
      expect({ healthy: myHealth.healthy, status: myHealth.status }).toEqual({ healthy: theirHealth.healthy, status: theirHealth.status });
    });

    it("runs interceptors around each call, in order, and sends the headers they set", async () => {
      const seen: string[] = [];
      const tag = (name: string): Interceptor => (next) => async (req) => {
        seen.push(`${name}>${req.method.name}`);
        const res = await next(req);
        seen.push(`${name}<${res.stream ? "stream" : res.message.$typeName}`);
        return res;
      };
      // The auth server refuses calls without the token: its acceptance proves the header went on the wire.
      const addToken: Interceptor = (next) => (req) => {
        req.header.set("authorization", `Bearer ${token}`);
        return next(req);
      };
      const client = createClient(SyncValueService, createFetchTransport({ baseUrl: authServer.url, protocol, interceptors: [tag("outer"), tag("inner"), addToken] }));
      const res = await client.predictLTV(request("icpt", [20]));
      expect(res.requestId).toBe("icpt");
      expect(seen).toEqual(["outer>PredictLTV", "inner>PredictLTV", "inner<syncvalue.v1.LTVPredictionResponse", "outer<syncvalue.v1.LTVPredictionResponse"]);
    });

    it("sends the caller's headers, and authToken as a Bearer header", async () => {
      const plain = createClient(SyncValueService, createFetchTransport({ baseUrl: authServer.url, protocol }));
      const viaHeader = await plain.getModelHealth({}, { headers: { authorization: `Bearer ${token}` } });
      expect(viaHeader.isHealthy).toBe(true);
      const withToken = createClient(SyncValueService, createFetchTransport({ baseUrl: authServer.url, protocol, authToken: token }));
      expect((await withToken.predictLTV(request("tok", [5]))).requestId).toBe("tok");
    });

    it("returns response headers to the caller", async () => {
      let header: Headers | undefined;
      const client = createClient(SyncValueService, createFetchTransport({ baseUrl: server.url, protocol }));
      await client.getModelHealth({}, { onHeader: (h) => (header = h) });
      expect(header?.get("content-type")).toBe(protocol === "connect" ? "application/proto" : "application/grpc-web+proto");
    });
  });
}
