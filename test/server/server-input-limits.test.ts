// The reference server applies the client's own input limits
// (validationLimits) on every binding: a request over them is InvalidArgument
// naming the field, and a refused write never fixes the store's dimension.
// Called over real sockets with transports that do not validate (connect-node
// directly, and raw TCP frames), as a client of another SDK would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as net from "node:net";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Packr } from "msgpackr";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionRequestSchema, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { createMemoryConceptStore } from "../../src/server/memory-concept-store.js";
import { validationLimits } from "../../src/validation/validation-limits.js";

const packr = new Packr({ useRecords: false });
const limits = validationLimits;

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to fail");
}

/** One request frame over a fresh TCP connection; resolves with the decoded answer. */
async function tcpCall(port: number, value: unknown): Promise<unknown> {
  const payload = packr.pack(value);
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      let got = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
        clearTimeout(timer);
        resolve(packr.unpack(got.subarray(4, 4 + got.readUInt32BE(0))));
      });
      socket.once("close", () => reject(new Error("closed before the answer")));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(payload.length);
      socket.write(Buffer.concat([header, payload]));
    });
  } finally {
    socket.destroy();
  }
}

describe("server input limits", () => {
  let server: ReferenceServer;
  let tcpPort: number;
  let storage: Client<typeof StorageService>;
  let prediction: Client<typeof SyncValueService>;

  beforeAll(async () => {
    server = await createServer({ tcp: true });
    tcpPort = Number(new URL(server.tcpUrl!.replace("tcp:", "http:")).port);
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
    storage = createClient(StorageService, transport);
    prediction = createClient(SyncValueService, transport);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("refuses an embedding over the dimension limit, and it does not fix the store's dimension", async () => {
    const huge = new Array<number>(limits.maxVectorDimension + 1).fill(0.5);
    const err = await failure(storage.learnConcept({ conceptId: "huge", embedding: huge }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^embedding: must have at most 16384 items/);
    const overTcp = await tcpCall(tcpPort, {
      LearnConcept: { concept_id: "huge", content: "", embedding: huge, strength: 1, confidence: 1 },
    });
    expect(overTcp).toEqual({ Error: [expect.stringMatching(/^embedding: must have at most 16384 items/)] });
    // A normal embedding is still accepted: the refused ones fixed nothing.
    expect((await storage.learnConcept({ conceptId: "small", embedding: [1, 0, 0, 0] })).sequence).toBeGreaterThan(0n);
    const query = await failure(storage.vectorSearch({ queryVector: huge, k: 1 }));
    expect(query.code).toBe(Code.InvalidArgument);
    expect(query.rawMessage).toMatch(/^query_vector: must have at most 16384 items/);
  });

  it("refuses ids and strings over the length limits", async () => {
    const longId = "i".repeat(limits.maxIdLength + 1);
    for (const [call, field] of [
      [() => storage.learnConcept({ conceptId: longId }), "concept_id"],
      [() => storage.queryConcept({ conceptId: longId }), "concept_id"],
      [() => storage.learnAssociation({ sourceId: "a", targetId: longId }), "target_id"],
      [() => storage.findPath({ startId: longId, endId: "b", maxDepth: 1 }), "start_id"],
      [() => storage.learnConcept({ conceptId: "c", content: "x".repeat(limits.maxStringLength + 1) }), "content"],
      [() => prediction.predictLTV({ customerId: longId, platform: "meta" }), "customer_id"],
    ] as const) {
      const err = await failure(call());
      expect(err.code, field).toBe(Code.InvalidArgument);
      expect(err.rawMessage, field).toMatch(new RegExp(`^${field}: must be at most \\d+ characters`));
    }
  });

  it("refuses prediction lists and maps over the limits, and batches over the client's batch size", async () => {
    const base = { customerId: "c", platform: "meta" };
    const cases: Array<[MessageInitShape<typeof LTVPredictionRequestSchema>, string]> = [
      [{ ...base, eventHistory: Array.from({ length: limits.maxEventHistory + 1 }, () => ({ eventType: "click" })) }, "event_history: must have at most 10000 items"],
      [{ ...base, features: new Array<number>(limits.maxFeatures + 1).fill(1) }, "features: must have at most 4096 items"],
      [{ ...base, metadata: Object.fromEntries(Array.from({ length: limits.maxMapEntries + 1 }, (_, i) => [`k${i}`, "v"])) }, "metadata: must have at most 256 entries"],
      [{ ...base, eventHistory: [{ eventType: "click", attributes: { a: "x".repeat(limits.maxStringLength + 1) } }] }, 'event_history[0].attributes["a"]: must be at most'],
    ];
    for (const [request, message] of cases) {
      const err = await failure(prediction.predictLTV(request));
      expect(err.code, message).toBe(Code.InvalidArgument);
      expect(err.rawMessage.startsWith(message), err.rawMessage).toBe(true);
    }
    // Inside a batch, one oversize request is an INVALID_INPUT answer; the batch goes on.
    const batch = await prediction.predictLTVBatch({ requests: [cases[1]![0], base] });
    expect(batch.failed).toBe(1);
    expect(batch.responses[0]!.errorMessage).toMatch(/^features: must have at most/);
    const tooMany = await failure(prediction.predictLTVBatch({ requests: Array.from({ length: limits.maxBatchSize + 1 }, () => base) }));
    expect(tooMany.code).toBe(Code.InvalidArgument);
    expect(tooMany.rawMessage).toBe("requests: at most 1000 per batch, got 1001");
  });
});

describe("memory store dimension", () => {
  it("is free again once the only concept holding an embedding is rewritten", async () => {
    const store = createMemoryConceptStore();
    const concept = (id: string, embedding: number[]) => ({ conceptId: id, content: "", embedding, strength: 1, confidence: 1 });
    await store.learnConcept(concept("mistake", new Array<number>(1000).fill(1)));
    // Rewriting the only embedded concept may change the dimension...
    await store.learnConcept(concept("mistake", [1, 0, 0]));
    await store.learnConcept(concept("other", [0, 1, 0]));
    // ...but with two concepts holding one, it is fixed.
    await expect(Promise.resolve().then(() => store.learnConcept(concept("mistake", [1, 0])))).rejects.toThrow(/embedding: has 2 dimensions, the store holds 3/);
    expect((await store.vectorSearch([0, 1, 0], 1, 0))[0]!.conceptId).toBe("other");
    // Emptying every embedding frees it.
    await store.learnConcept(concept("mistake", []));
    await store.learnConcept(concept("other", []));
    await store.learnConcept(concept("new", [1, 2]));
    expect(await store.vectorSearch([1, 2], 1, 0)).toEqual([{ conceptId: "new", similarity: expect.closeTo(1, 12) }]);
  });
});
