import { createClient, Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { PredictionStatus, SyncValueService, type LTVPredictionRequestSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import { createTcpTransport, type TcpTransport } from "../../src/tcp/index.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const serverScript = new URL("../support/rust-style-tcp-server.mjs", import.meta.url).pathname;

function startRustStyle(...flags: string[]): Promise<ServerProcess> {
  return spawnServer({
    command: [process.execPath, serverScript, ...flags],
    ready: /rust-style tcp server listening port=(?<port>\d+)/,
  });
}

const f32 = (x: number) => Math.fround(x);

for (const mode of [
  { name: "positional arrays, StatsOk with 7 fields", flags: [] as string[] },
  { name: "named maps, StatsOk with 8 fields", flags: ["--named", "--stats-fields", "8"] },
  { name: "positional arrays, StatsOk with 8 fields", flags: ["--stats-fields", "8"] },
  // The client's requests as the server saw them: positional by default, named maps when asked (for servers that read only maps).
  { name: "default requests, layout logged", flags: ["--log-layout"], expectLayout: "positional" },
  { name: "named requests from the client (opt-in)", flags: ["--log-layout"], requestFields: "named" as const, expectLayout: "named" },
  { name: "positional requests from the client (explicit)", flags: ["--log-layout"], requestFields: "positional" as const, expectLayout: "positional" },
] as { name: string; flags: string[]; requestFields?: "named" | "positional"; expectLayout?: "named" | "positional" }[]) {
  describe(`TCP client against the rust-style server (${mode.name})`, () => {
    let server: ServerProcess;
    let transport: TcpTransport;

    beforeAll(async () => {
      server = await startRustStyle(...mode.flags);
      transport = createTcpTransport({ url: `tcp://127.0.0.1:${server.ready.port}`, connect: connectNodeSocket, requestFields: mode.requestFields });
    });
    afterAll(async () => {
      await transport?.close();
      await server?.kill();
    });

    it("runs every storage method with the Rust shapes, float32 and uint64 intact", async () => {
      const storage = createClient(StorageService, transport);
      const a = await storage.learnConcept({ conceptId: "a", content: "alpha", embedding: [0.1, 0.2, 0.3], strength: 0.7, confidence: 0.9 });
      const b = await storage.learnConcept({ conceptId: "b", content: "beta", embedding: [0.3, 0.2, 0.1], strength: 1.5, confidence: 0.5 });
      // The server starts at 2^53 + 1: a rounded number would equal 2^53.
      expect(a.sequence).toBe(9007199254740993n);
      expect(b.sequence).toBe(9007199254740994n);
      const assoc = await storage.learnAssociation({ sourceId: "a", targetId: "b", assocType: 3, confidence: 0.25 });
      expect(assoc.sequence).toBe(9007199254740995n);

      const q = await storage.queryConcept({ conceptId: "a" });
      expect(q).toMatchObject({ found: true, conceptId: "a", content: "alpha", strength: f32(0.7), confidence: f32(0.9) });
      const missing = await storage.queryConcept({ conceptId: "zzz" });
      expect(missing).toMatchObject({ found: false, conceptId: "zzz", content: "" });

      expect((await storage.getNeighbors({ conceptId: "a" })).neighborIds).toEqual(["b"]);
      const path = await storage.findPath({ startId: "a", endId: "b", maxDepth: 3 });
      expect(path.found).toBe(true);
      expect(path.path).toEqual(["a", "b"]);

      const vs = await storage.vectorSearch({ queryVector: [0.1, 0.2, 0.3], k: 2, efSearch: 16 });
      expect(vs.results.map((r) => r.conceptId)).toEqual(["a", "b"]);
      expect(vs.results[0]!.similarity).toBe(f32(vs.results[0]!.similarity));
      expect(vs.results[0]!.similarity).toBeCloseTo(1, 5);

      const stats = await storage.getStats({});
      expect(stats.concepts).toBe(2n);
      expect(stats.edges).toBe(1n);
      expect(stats.written).toBe(3n); // with 8 fields, `vectors` (3rd) must have been skipped
      expect(stats.dropped).toBe(18446744073709551557n);
      expect(stats.pending).toBe(3n);
      expect(stats.reconciliations).toBe(9007199254740993n);
      expect(typeof stats.uptimeSeconds).toBe("bigint");

      expect((await storage.flush({})).success).toBe(true);
      const health = await storage.healthCheck({});
      expect(health).toMatchObject({ healthy: true, status: "ok" });
      expect(typeof health.uptimeSeconds).toBe("bigint");
      expect(server.output()).not.toContain("VIOLATION");
    });

    it("runs the prediction binding: requests, positional answers, status by name", async () => {
      const prediction = createClient(SyncValueService, transport);
      const req: MessageInitShape<typeof LTVPredictionRequestSchema> = {
        requestId: "r-1",
        timestampMs: 1_700_000_000_123n,
        customerId: "cust",
        platform: "meta",
        eventHistory: [
          { timestampMs: 1n, eventType: "purchase", eventValue: 10.5, source: "web", attributes: { sku: "x" } },
          { timestampMs: 2n, eventType: "purchase", eventValue: 4, source: "app", attributes: {} },
        ],
        currentCac: 12,
        campaignId: "c",
        adGroupId: "g",
        features: [0.5, 2],
        metadata: { k: "v" },
      };
      const res = await prediction.predictLTV(req);
      // spend 14.5 * 3.5 + 12 * 1.25 + 0.5 = 66.25
      expect(res).toMatchObject({
        requestId: "r-1",
        timestampMs: 1_700_000_000_123n,
        predictedLtv: 66.25,
        confidence: 0.75,
        modelVersion: "rust-style-1",
        inferenceTimeUs: 42n,
        status: PredictionStatus.SUCCESS,
        errorMessage: "",
      });
      expect(res.topFeatures[0]).toMatchObject({ name: "spend", importance: 0.625, value: 14.5 });

      const batch = await prediction.predictLTVBatch({ requests: [req, { ...req, requestId: "r-2" }] });
      expect(batch.responses.map((r) => r.requestId)).toEqual(["r-1", "r-2"]);
      expect(batch).toMatchObject({ totalProcessed: 2, successful: 2, failed: 0 });

      const health = await prediction.getModelHealth({ includeMetrics: true });
      expect(health).toMatchObject({ isHealthy: true, modelVersion: "rust-style-1", uptimeSeconds: 7n, predictionsToday: 9007199254740993n, activeConnections: 1 });

      async function* inputs() {
        for (let i = 0; i < 20; i++) yield { ...req, requestId: `s-${i}` };
      }
      const ids: string[] = [];
      for await (const r of prediction.predictLTVStream(inputs())) ids.push(r.requestId);
      expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `s-${i}`));
      expect(server.output()).not.toContain("VIOLATION");
    });

    if (mode.expectLayout) {
      it(`sends every request with fields ${mode.expectLayout === "named" ? "as a named map" : "as a positional array"}, storage and prediction`, async () => {
        const storage = createClient(StorageService, transport);
        const prediction = createClient(SyncValueService, transport);
        await storage.learnConcept({ conceptId: "layout", content: "x", embedding: [0.5], strength: 1, confidence: 1 });
        await storage.learnAssociation({ sourceId: "layout", targetId: "layout", assocType: 1, confidence: 1 });
        await storage.queryConcept({ conceptId: "layout" });
        await storage.getNeighbors({ conceptId: "layout" });
        await storage.findPath({ startId: "layout", endId: "layout", maxDepth: 2 });
        await storage.vectorSearch({ queryVector: [0.5], k: 1, efSearch: 4 });
        await prediction.predictLTV({ requestId: "layout-1", customerId: "c", platform: "meta", eventHistory: [{ eventType: "purchase", eventValue: 1 }] });
        await prediction.predictLTVBatch({ requests: [{ requestId: "layout-2", customerId: "c", platform: "meta" }] });
        await prediction.getModelHealth({ includeMetrics: false });
        const seen = new Map<string, Set<string>>();
        for (const line of server.output().split("\n")) {
          const m = /^layout (\w+) (named|positional)$/.exec(line);
          if (m) seen.set(m[1]!, (seen.get(m[1]!) ?? new Set()).add(m[2]!));
        }
        const variants = ["LearnConcept", "LearnAssociation", "QueryConcept", "GetNeighbors", "FindPath", "VectorSearch", "PredictLTV", "PredictLTVBatch", "GetModelHealth"];
        for (const v of variants) expect([...(seen.get(v) ?? [])], v).toEqual([mode.expectLayout]);
        expect(server.output()).not.toContain("VIOLATION");
      });
    }

    it("maps an Error answer to a ConnectError with the server's message, and keeps the connection", async () => {
      const storage = createClient(StorageService, transport);
      const before = transport.stats();
      const err = await storage.queryConcept({ conceptId: "fail" }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code).toBe(Code.Unknown);
      expect(err?.rawMessage).toBe("requested failure for QueryConcept");
      // The stream is in sync after an Error answer: same connection, next answer is its own.
      expect((await storage.queryConcept({ conceptId: "a" })).conceptId).toBe("a");
      const after = transport.stats();
      expect(after.lost).toBe(before.lost);
      expect(after.connects).toBe(before.connects);
    });
  });
}

describe("TCP client against the rust-style server: request validation on the server", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startRustStyle();
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("gets {Error: [...]} for a request the server rejects, as ConnectError Unknown with the server's message", async () => {
    const { connect } = await import("node:net");
    const socket = connect({ host: "127.0.0.1", port: Number(server.ready.port) });
    await new Promise((r) => socket.once("connect", r));
    // {"Flush": {}}: serde rejects a map for a unit variant.
    const payload = Buffer.from([0x81, 0xa5, ...Buffer.from("Flush"), 0x80]);
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeUInt32BE(payload.length);
    payload.copy(frame, 4);
    socket.write(frame);
    const reply: Buffer = await new Promise((r) => socket.once("data", r));
    socket.destroy();
    const { decodeMsgpack } = await import("../../src/tcp/msgpack-codec.js");
    const { connectErrorFromWire, readTagged } = await import("../../src/tcp/tagged-value.js");
    const tagged = readTagged(decodeMsgpack(reply.subarray(4)));
    expect(tagged.variant).toBe("Error");
    const e = connectErrorFromWire(tagged.body);
    expect(e.code).toBe(Code.Unknown);
    expect(e.rawMessage).toContain("expected unit variant Flush");
  });
});
