import { createServer, type Server, type Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import type { SyncValueClient } from "../../src/client/create-client.js";

// A listener that only counts connections: a rejected request must never
// reach it, so the count stays zero for every case below.
let listener: Server;
let accepted = 0;
const sockets = new Set<Socket>();
let client: SyncValueClient;

beforeAll(async () => {
  listener = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("error", () => {});
  });
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const { port } = listener.address() as { port: number };
  client = createClient({ prediction: `http://127.0.0.1:${port}`, storage: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  await client.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => listener.close(r));
});

const valid = {
  requestId: "r-1",
  customerId: "c-1",
  platform: "meta",
  eventHistory: [{ timestampMs: 1n, eventType: "purchase", eventValue: 10 }],
};

async function expectInvalid(call: () => Promise<unknown>, field: string) {
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a rejection naming ${field}`).toBeInstanceOf(ConnectError);
  const ce = err as ConnectError;
  expect(ce.code).toBe(Code.InvalidArgument);
  expect(ce.rawMessage.startsWith(`${field}: `), ce.rawMessage).toBe(true);
}

describe("invalid input is rejected before any byte is sent", () => {
  const p = () => client.prediction;
  const s = () => client.storage;
  const cases: [string, string, () => Promise<unknown>][] = [
    ["empty customerId", "customerId", () => p().predictLTV({ ...valid, customerId: "" })],
    ["unknown platform", "platform", () => p().predictLTV({ ...valid, platform: "myspace" })],
    ["NaN currentCac", "currentCac", () => p().predictLTV({ ...valid, currentCac: Number.NaN })],
    ["negative currentCac", "currentCac", () => p().predictLTV({ ...valid, currentCac: -1 })],
    ["infinite feature", "features[1]", () => p().predictLTV({ ...valid, features: [1, Number.POSITIVE_INFINITY] })],
    ["NaN event value", "eventHistory[0].eventValue", () =>
      p().predictLTV({ ...valid, eventHistory: [{ timestampMs: 1n, eventType: "purchase", eventValue: Number.NaN }] })],
    ["empty event type", "eventHistory[0].eventType", () =>
      p().predictLTV({ ...valid, eventHistory: [{ timestampMs: 1n, eventType: "", eventValue: 1 }] })],
    ["negative timestamp", "timestampMs", () => p().predictLTV({ ...valid, timestampMs: -5n })],
    ["wrong type customerId", "customerId", () => p().predictLTV({ ...valid, customerId: 42 as unknown as string })],
    ["non-string metadata", "metadata[\"k\"]", () =>
      p().predictLTV({ ...valid, metadata: { k: 1 as unknown as string } })],
    ["too long customerId", "customerId", () => p().predictLTV({ ...valid, customerId: "x".repeat(2000) })],
    ["empty batch", "requests", () => p().predictLTVBatch({ requests: [] })],
    ["bad item in batch", "requests[1].platform", () =>
      p().predictLTVBatch({ requests: [valid, { ...valid, platform: "nope" }] })],
    ["oversize batch", "requests", () =>
      p().predictLTVBatch({ requests: Array.from({ length: 1001 }, () => valid) })],
    ["empty conceptId", "conceptId", () => s().learnConcept({ conceptId: "", content: "x" })],
    ["NaN embedding", "embedding[2]", () => s().learnConcept({ conceptId: "a", embedding: [0, 1, Number.NaN] })],
    ["float32 overflow", "strength", () => s().learnConcept({ conceptId: "a", strength: 1e39 })],
    ["confidence above 1", "confidence", () => s().learnConcept({ conceptId: "a", confidence: 1.5 })],
    ["empty query id", "conceptId", () => s().queryConcept({ conceptId: "" })],
    ["empty neighbours id", "conceptId", () => s().getNeighbors({ conceptId: "" })],
    ["empty association target", "targetId", () => s().learnAssociation({ sourceId: "a", targetId: "" })],
    ["negative assocType", "assocType", () => s().learnAssociation({ sourceId: "a", targetId: "b", assocType: -1 })],
    ["fractional maxDepth", "maxDepth", () => s().findPath({ startId: "a", endId: "b", maxDepth: 1.5 })],
    ["negative k", "k", () => s().vectorSearch({ queryVector: [1, 0], k: -1 })],
    ["zero k", "k", () => s().vectorSearch({ queryVector: [1, 0], k: 0 })],
    ["empty query vector", "queryVector", () => s().vectorSearch({ queryVector: [], k: 3 })],
    ["oversize vector", "queryVector", () => s().vectorSearch({ queryVector: new Array(20_000).fill(0), k: 3 })],
    ["non-object request", "request", () => p().predictLTV(null as never)],
  ];
  for (const [name, field, call] of cases) {
    it(`${name} -> InvalidArgument naming ${field}`, () => expectInvalid(call, field));
  }

  it("an invalid first message fails a stream before it opens", async () => {
    async function* input() {
      yield { ...valid, platform: "bad" };
    }
    await expectInvalid(async () => {
      for await (const _ of p().predictLTVStream(input())) {
        /* no response expected */
      }
    }, "platform");
  });

  it("no connection was ever opened by a rejected call", () => {
    expect(accepted).toBe(0);
  });
});

describe("options are validated when the client is created", () => {
  const bad: [string, unknown][] = [
    ["prediction", { prediction: "not a url" }],
    ["prediction", { prediction: "ftp://127.0.0.1:1" }],
    ["storage.url", { storage: { url: "" } }],
    ["prediction.protocol", { prediction: { url: "http://127.0.0.1:1", protocol: "soap" } }],
    ["prediction.httpVersion", { prediction: { url: "http://127.0.0.1:1", protocol: "grpc", httpVersion: "1.1" } }],
    ["prediction.http2.pingIntervalMs", { prediction: { url: "http://127.0.0.1:1", http2: { pingIntervalMs: -1 } } }],
    ["timeoutMs", { timeoutMs: Number.NaN }],
    ["timeoutMs", { timeoutMs: 0 }],
    ["auth.token", { auth: { token: "" } }],
    ["auth.token", { auth: { token: "a\r\nb" } }],
    ["prediction", { prediction: "http://user:secret@127.0.0.1:1" }],
  ];
  for (const [field, options] of bad) {
    it(`${JSON.stringify(options).slice(0, 80)} -> ${field}`, () => {
      let err: unknown;
      try {
        createClient(options as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage.startsWith(`${field}: `), (err as ConnectError).rawMessage).toBe(true);
      expect((err as ConnectError).rawMessage).not.toContain("secret");
    });
  }
});
