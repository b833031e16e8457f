// Cache hits travel up the layers and out of the service client without a
// promise hop per layer (`readyAnswer`, `answerAtHand`, `unaryMethod`). These
// tests hold that path to the contract of the ordinary one, against the
// reference server in its own process.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema, type LTVPredictionResponse } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { Layer } from "../../src/layers/layer.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServer();
});
afterAll(async () => {
  await server?.kill();
});

const now = 1_790_000_000_000n;
const request = (customerId: string, requestId: string, value = 35) =>
  create(LTVPredictionRequestSchema, {
    requestId,
    timestampMs: now,
    customerId,
    platform: "meta",
    eventHistory: [{ timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: value }],
  });

describe("cache hits handed up at once", () => {
  it("never swap answers when a layer between the metrics and the cache makes another call before returning its own", async () => {
    // For every call, this layer first asks (and gets from the cache) another
    // customer's prediction, then returns the answer of its own call: the
    // latest ready answer is then the other call's, never this one's.
    const other = request("ready-other", "r-other", 500);
    const meddling: Layer = (next: Transport): Transport => ({
      unary(method, signal, timeoutMs, header, input, contextValues) {
        const own = next.unary(method, signal, timeoutMs, header, input, contextValues);
        if (method.localName === "predictLTV" && (input as { customerId: string }).customerId !== other.customerId) {
          void next.unary(method, signal, timeoutMs, header, other as never, contextValues).catch(() => {});
        }
        return own;
      },
      stream: (...args) => next.stream(...args),
    });
    const client = createClient({ prediction: server.tcpUrl, timeoutMs: 5_000, layers: [{ layer: meddling, after: "metrics" }] });
    try {
      const mine = request("ready-mine", "r-mine", 35);
      const otherAnswer = await client.prediction.predictLTV(other);
      const first = await client.prediction.predictLTV(mine);
      expect(first.predictedLtv).not.toBe(otherAnswer.predictedLtv);
      for (let i = 0; i < 5; i++) {
        const again = await client.prediction.predictLTV(mine);
        expect(again.requestId).toBe("r-mine");
        expect(again.predictedLtv).toBe(first.predictedLtv);
      }
      expect(client.metrics().cache.hits).toBeGreaterThanOrEqual(10);
    } finally {
      await client.close();
    }
  });

  it("give each of many concurrent callers its own copy, with its own requestId, and count every one", async () => {
    for (const make of [
      () => createClient({ prediction: server.tcpUrl, timeoutMs: 5_000 }),
      () => createPredictionClient({ endpoint: server.tcpUrl, timeoutMs: 5_000 }),
    ]) {
      const client = make();
      try {
        const shared = request("ready-many", "r-shared");
        const baseline = await client.prediction.predictLTV(shared);
        const own = Array.from({ length: 200 }, (_, i) => request("ready-many", `r-${i}`));
        const answers = await Promise.all([...own.map((r) => client.prediction.predictLTV(r)), ...own.map(() => client.prediction.predictLTV(shared))]);
        const copies = new Set<LTVPredictionResponse>(answers);
        expect(copies.size).toBe(answers.length);
        answers.slice(0, 200).forEach((a, i) => expect(a.requestId).toBe(`r-${i}`));
        answers.slice(200).forEach((a) => expect(a.requestId).toBe("r-shared"));
        answers.forEach((a) => expect(a.predictedLtv).toBe(baseline.predictedLtv));
        answers[0]!.predictedLtv = -1; // a caller may change its copy
        expect((await client.prediction.predictLTV(shared)).predictedLtv).toBe(baseline.predictedLtv);
        const m = client.metrics();
        expect(m.cache.hits).toBe(401);
        expect(m.methods.predictLTV?.count).toBe(402);
        expect(m.methods.predictLTV?.errors).toBe(0);
      } finally {
        await client.close();
      }
    }
  });

  it("reject, never throw, when a layer throws as it is called, as Connect's own client does", async () => {
    const throwing: Layer = () => ({
      unary: () => {
        throw new ConnectError("thrown by a layer", Code.Aborted);
      },
      stream: () => {
        throw new ConnectError("thrown by a layer", Code.Aborted);
      },
    });
    const client = createClient({ prediction: server.tcpUrl, timeoutMs: 5_000, layers: [{ layer: throwing, before: "validation" }] });
    try {
      let answer: Promise<unknown> | undefined;
      expect(() => (answer = client.prediction.predictLTV(request("ready-throw", "r")))).not.toThrow();
      await expect(answer).rejects.toMatchObject({ code: Code.Aborted });
    } finally {
      await client.close();
    }
  });

  it("hand headers and trailers to onHeader and onTrailer on a hit", async () => {
    const client = createClient({ prediction: server.tcpUrl, timeoutMs: 5_000 });
    try {
      const r = request("ready-headers", "r");
      await client.prediction.predictLTV(r);
      let header: Headers | undefined;
      let trailer: Headers | undefined;
      const hit = await client.prediction.predictLTV(r, { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
      expect(hit.requestId).toBe("r");
      expect(header).toBeInstanceOf(Headers);
      expect(trailer).toBeInstanceOf(Headers);
      expect(client.metrics().cache.hits).toBe(1);
    } finally {
      await client.close();
    }
  });
});

