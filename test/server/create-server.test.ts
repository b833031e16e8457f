// The reference server in this process, on 127.0.0.1, called over real sockets
// with connect-node's transports and raw sockets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as net from "node:net";
import * as http2 from "node:http2";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

const NOW = 1_700_000_000_000n;
const history = [
  { timestampMs: NOW - 86_400_000n * 3n, eventType: "purchase", eventValue: 120 },
  { timestampMs: NOW - 86_400_000n, eventType: "click", eventValue: 0 },
];

async function codeOf(promise: Promise<unknown>): Promise<[Code | undefined, string]> {
  try {
    await promise;
    return [undefined, ""];
  } catch (e) {
    const err = ConnectError.from(e);
    return [err.code, err.rawMessage];
  }
}

describe("createServer with the default model and store", () => {
  let server: ReferenceServer;
  let grpc: Client<typeof SyncValueService>;
  let storage: Client<typeof StorageService>;

  beforeAll(async () => {
    server = await createServer();
    const transport = createGrpcTransport({ baseUrl: server.url });
    grpc = createClient(SyncValueService, transport);
    storage = createClient(StorageService, transport);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("listens on 127.0.0.1 on a free port by default", () => {
    expect(server.host).toBe("127.0.0.1");
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("answers the same prediction over gRPC, Connect (HTTP/2 and 1.1) and gRPC-web", async () => {
    const transports = [
      createGrpcTransport({ baseUrl: server.url }),
      createConnectTransport({ baseUrl: server.url, httpVersion: "2" }),
      createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: false }),
      createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }),
      createGrpcWebTransport({ baseUrl: server.url, httpVersion: "2" }),
    ];
    const answers = [];
    for (const transport of transports) {
      const res = await createClient(SyncValueService, transport).predictLTV({
        requestId: "same",
        timestampMs: NOW,
        customerId: "c1",
        platform: "meta",
        eventHistory: history,
      });
      expect(res.requestId).toBe("same");
      expect(res.status).toBe(PredictionStatus.SUCCESS);
      expect(res.inferenceTimeUs).toBeGreaterThanOrEqual(0n);
      expect(res.timestampMs).toBeGreaterThan(NOW); // server wall clock, later than 2023
      answers.push([res.predictedLtv, res.ltvLowerBound, res.ltvUpperBound, res.confidence]);
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
  });

  it("serves Connect JSON to a plain HTTP/1.1 POST", async () => {
    const res = await fetch(`${server.url}/syncvalue.v1.SyncValueService/PredictLTV`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requestId: "json", customerId: "c", platform: "X", eventHistory: [] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.requestId).toBe("json");
    expect(body.status).toBe("INSUFFICIENT_DATA");
    expect(body.modelVersion).toBe("baseline-rfm-1");
    expect(typeof body.predictedLtv).toBe("number");

    const bad = await fetch(`${server.url}/syncvalue.v1.SyncValueService/PredictLTV`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "", platform: "meta" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: "invalid_argument", message: "customer_id: must not be empty" });
  });

  it("routes an HTTP/1 request whose first bytes arrive one at a time", async () => {
    // "POST" shares its first byte with the HTTP/2 preface "PRI ...".
    const socket = net.connect(server.port, "127.0.0.1");
    try {
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      const response = new Promise<string>((resolve, reject) => {
        let text = "";
        socket.on("data", (d: Buffer) => {
          text += d.toString("latin1");
          if (text.includes("\r\n\r\n")) resolve(text);
        });
        socket.once("error", reject);
      });
      const request = "POST /no.Such/Method HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
      for (const part of ["P", "O", request.slice(2)]) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await response).toMatch(/^HTTP\/1\.1 404 /);
    } finally {
      socket.destroy();
    }
  });

  it("survives malformed connections of either protocol", async () => {
    const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    for (const payload of [preface + "x".repeat(100), "GARBAGE\r\n\r\n", "PRI * HTTP", preface + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"]) {
      const socket = net.connect(server.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.resume(); // read what the server answers, so "close" can come
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.end(payload, "latin1");
      // The server must hang up on its own; bounded by the test timeout.
      await closed;
    }
    expect((await grpc.predictLTV({ customerId: "after", platform: "x" })).status).toBe(PredictionStatus.INSUFFICIENT_DATA);
  });

  it("rejects invalid single requests with InvalidArgument naming the field", async () => {
    expect(await codeOf(grpc.predictLTV({ customerId: "", platform: "meta" }))).toEqual([
      Code.InvalidArgument,
      "customer_id: must not be empty",
    ]);
    const [code, message] = await codeOf(grpc.predictLTV({ customerId: "c", platform: "friendster" }));
    expect(code).toBe(Code.InvalidArgument);
    expect(message).toMatch(/^platform: /);
    const [code2, message2] = await codeOf(
      grpc.predictLTV({ customerId: "c", platform: "meta", eventHistory: [{ eventType: "purchase", eventValue: Number.NaN }] }),
    );
    expect(code2).toBe(Code.InvalidArgument);
    expect(message2).toMatch(/^event_history\[0\]\.event_value: /);
    // Platforms are case-insensitive.
    expect((await grpc.predictLTV({ customerId: "c", platform: "LinkedIn" })).status).toBe(PredictionStatus.INSUFFICIENT_DATA);
  });

  it("answers a batch item by item, with invalid items inside the batch", async () => {
    const res = await grpc.predictLTVBatch({
      requests: [
        { requestId: "a", customerId: "c", platform: "meta", timestampMs: NOW, eventHistory: history },
        { requestId: "b", customerId: "", platform: "meta" },
        { requestId: "c", customerId: "c", platform: "nope" },
        { requestId: "d", customerId: "c", platform: "amazon" },
      ],
    });
    expect(res.responses.map((r) => r.requestId)).toEqual(["a", "b", "c", "d"]);
    expect(res.responses.map((r) => r.status)).toEqual([
      PredictionStatus.SUCCESS,
      PredictionStatus.INVALID_INPUT,
      PredictionStatus.INVALID_INPUT,
      PredictionStatus.INSUFFICIENT_DATA,
    ]);
    expect(res.responses[1]?.errorMessage).toBe("customer_id: must not be empty");
    expect(res).toMatchObject({ totalProcessed: 4, successful: 2, failed: 2 });
  });

  it("streams predictions both ways over HTTP/2 (gRPC and Connect)", async () => {
    for (const transport of [createGrpcTransport({ baseUrl: server.url }), createConnectTransport({ baseUrl: server.url, httpVersion: "2" })]) {
      const client = createClient(SyncValueService, transport);
      async function* requests() {
        for (let i = 0; i < 6; i++) {
          yield { requestId: `s${i}`, customerId: i === 3 ? "" : "c", platform: "tiktok", timestampMs: NOW, eventHistory: history.slice(0, i % 3) };
        }
      }
      const got: Array<[string, PredictionStatus]> = [];
      for await (const res of client.predictLTVStream(requests())) got.push([res.requestId, res.status]);
      expect(got.map(([id]) => id)).toEqual(["s0", "s1", "s2", "s3", "s4", "s5"]);
      expect(got[0]?.[1]).toBe(PredictionStatus.INSUFFICIENT_DATA);
      expect(got[1]?.[1]).toBe(PredictionStatus.SUCCESS);
      expect(got[3]?.[1]).toBe(PredictionStatus.INVALID_INPUT);
    }
  });

  it("serves every storage rpc, with uint64 sequences as bigint", async () => {
    const s1 = await storage.learnConcept({ conceptId: "a", content: "A", embedding: [1, 0], strength: 0.5, confidence: 0.25 });
    const s2 = await storage.learnConcept({ conceptId: "b", content: "B", embedding: [0.6, 0.8], strength: 1, confidence: 1 });
    const s3 = await storage.learnAssociation({ sourceId: "a", targetId: "b", assocType: 2, confidence: 1 });
    expect(typeof s1.sequence).toBe("bigint");
    expect(s2.sequence > s1.sequence && s3.sequence > s2.sequence).toBe(true);
    expect(await storage.queryConcept({ conceptId: "a" })).toMatchObject({ found: true, conceptId: "a", content: "A", strength: 0.5, confidence: 0.25 });
    expect((await storage.queryConcept({ conceptId: "zz" })).found).toBe(false);
    expect((await storage.getNeighbors({ conceptId: "a" })).neighborIds).toEqual(["b"]);
    expect(await storage.findPath({ startId: "a", endId: "b", maxDepth: 1 })).toMatchObject({ found: true, path: ["a", "b"] });
    expect(await storage.findPath({ startId: "b", endId: "a", maxDepth: 5 })).toMatchObject({ found: false, path: [] });
    const search = await storage.vectorSearch({ queryVector: [0, 1], k: 5, efSearch: 0 });
    expect(search.results.map((r) => r.conceptId)).toEqual(["b", "a"]);
    expect(search.results[0]?.similarity).toBeCloseTo(0.8, 6);
    const stats = await storage.getStats({});
    expect(stats).toMatchObject({ concepts: 2n, edges: 1n, written: s3.sequence, dropped: 0n });
    expect((await storage.flush({})).success).toBe(true);
    expect(await storage.healthCheck({})).toMatchObject({ healthy: true, status: "ok" });
  });

  it("rejects bad storage input with InvalidArgument naming the field", async () => {
    const cases: Array<[Promise<unknown>, RegExp]> = [
      [storage.learnConcept({ conceptId: "" }), /^concept_id: /],
      [storage.learnConcept({ conceptId: "n", strength: Number.NaN }), /^strength: /],
      [storage.learnConcept({ conceptId: "n", embedding: [1, Number.POSITIVE_INFINITY] }), /^embedding\[1\]: /],
      [storage.learnConcept({ conceptId: "n", embedding: [1, 2, 3] }), /^embedding: /], // store holds 2 dims
      [storage.queryConcept({ conceptId: "" }), /^concept_id: /],
      [storage.learnAssociation({ sourceId: "a", targetId: "" }), /^target_id: /],
      [storage.getNeighbors({}), /^concept_id: /],
      [storage.findPath({ startId: "a" }), /^end_id: /],
      [storage.vectorSearch({ queryVector: [1, 0], k: 0 }), /^k: /],
      [storage.vectorSearch({ queryVector: [], k: 1 }), /^query_vector: /],
      [storage.vectorSearch({ queryVector: [0, 0], k: 1 }), /^query_vector: /],
      [storage.vectorSearch({ queryVector: [1, 0, 0], k: 1 }), /^query_vector: /],
    ];
    for (const [call, message] of cases) {
      const [code, text] = await codeOf(call);
      expect(code).toBe(Code.InvalidArgument);
      expect(text).toMatch(message);
    }
  });

  it("reports health figures measured from real calls", async () => {
    const before = await grpc.getModelHealth({ includeMetrics: true });
    const requestsBefore = server.requestCount();
    for (let i = 0; i < 5; i++) await grpc.predictLTV({ customerId: `h${i}`, platform: "x", timestampMs: NOW, eventHistory: history });
    await grpc.predictLTV({ customerId: "", platform: "x" }).catch(() => undefined); // rejected, never reaches the model
    const after = await grpc.getModelHealth({ includeMetrics: true });
    expect(after.predictionsToday - before.predictionsToday).toBe(5n);
    expect(server.requestCount() - requestsBefore).toBe(7); // 6 predictions + this health call
    expect(after.isHealthy).toBe(true);
    expect(after.modelVersion).toBe("baseline-rfm-1");
    expect(after.avgLatencyMs).toBeGreaterThan(0);
    expect(after.p99LatencyMs).toBeGreaterThanOrEqual(after.p95LatencyMs);
    expect(after.p95LatencyMs).toBeGreaterThan(0);
    expect(after.memoryUsageMb).toBeGreaterThan(1);
    expect(after.activeConnections).toBeGreaterThanOrEqual(1);
    expect(after.activeConnections).toBe(server.health.activeConnections);
    expect(after.uptimeSeconds).toBeGreaterThanOrEqual(0n);
    const brief = await grpc.getModelHealth({});
    expect(brief).toMatchObject({ isHealthy: true, modelVersion: "baseline-rfm-1", predictionsToday: 0n, avgLatencyMs: 0 });
  });
});

describe("createServer with a custom model", () => {
  it("runs the user's model, fills timing, and maps its failures", async () => {
    const server = await createServer({
      model: async (req) => {
        if (req.customerId === "boom") throw new Error("kaboom");
        if (req.customerId === "nan") return { predictedLtv: Number.NaN };
        return { predictedLtv: req.eventHistory.length * 7, confidence: 0.9, modelVersion: "custom-7" };
      },
    });
    try {
      const client = createClient(SyncValueService, createGrpcTransport({ baseUrl: server.url }));
      const ok = await client.predictLTV({ requestId: "r", customerId: "c", platform: "meta", eventHistory: history });
      expect(ok).toMatchObject({ requestId: "r", predictedLtv: 14, confidence: 0.9, modelVersion: "custom-7" });
      expect(ok.timestampMs).toBeGreaterThan(0n);
      const [code, message] = await codeOf(client.predictLTV({ customerId: "boom", platform: "meta" }));
      expect(code).toBe(Code.Internal);
      expect(message).toContain("kaboom");
      const batch = await client.predictLTVBatch({
        requests: [
          { requestId: "1", customerId: "c", platform: "meta" },
          { requestId: "2", customerId: "boom", platform: "meta" },
          { requestId: "3", customerId: "nan", platform: "meta" },
        ],
      });
      expect(batch.responses.map((r) => r.status)).toEqual([
        PredictionStatus.SUCCESS,
        PredictionStatus.MODEL_ERROR,
        PredictionStatus.MODEL_ERROR,
      ]);
      expect(batch.responses[1]?.errorMessage).toContain("kaboom");
      expect(batch).toMatchObject({ totalProcessed: 3, successful: 1, failed: 2 });
      const health = await client.getModelHealth({ includeMetrics: true });
      expect(health.modelVersion).toBe("custom-7");
      expect(health.predictionsToday).toBe(5n); // every model run, failed ones included
    } finally {
      await server.close();
    }
  });
});

describe("ReferenceServer.close", () => {
  it("ends open HTTP/2 sessions and running streams, and releases the port", async () => {
    const server = await createServer();
    // A raw HTTP/2 session that never goes away by itself.
    const session = http2.connect(server.url);
    const sessionClosed = new Promise<void>((resolve) => session.once("close", resolve));
    session.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => session.once("connect", () => resolve()).once("error", reject));
    // A bidi stream left open by its client.
    const client = createClient(SyncValueService, createGrpcTransport({ baseUrl: server.url }));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    async function* requests() {
      yield { customerId: "c", platform: "meta" };
      await held;
    }
    const stream = (async () => {
      for await (const _ of client.predictLTVStream(requests())) {
        /* first answer arrives, then the client waits */
      }
    })();
    const streamEnded = stream.then(
      () => "ended",
      (e: unknown) => ConnectError.from(e).code,
    );
    for (let i = 0; i < 200 && server.health.activeConnections < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.health.activeConnections).toBe(2);

    await server.close();
    await sessionClosed;
    expect(await streamEnded).not.toBe("ended");
    release();
    await server.close(); // twice is harmless
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(server.port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(false)));
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    for (let i = 0; i < 100 && server.health.activeConnections > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.health.activeConnections).toBe(0);
  });

  it("fails to start on a port that is taken", async () => {
    const first = await createServer();
    try {
      await expect(createServer({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
