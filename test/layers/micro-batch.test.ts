import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { request } from "./prediction-request.js";


describe("micro-batching", () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await createServer({
      model: (req) => {
        if (req.customerId === "model-breaks") throw new Error("no model for this one");
        return predictBaselineLtv(req);
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("sends calls of one tick as one PredictLTVBatch, each caller getting its own answer", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, batching: true });
    try {
      const before = server.requestCount();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.prediction.predictLTV(request(`c-${"x".repeat(i)}`, `r-${i}`))),
      );
      expect(server.requestCount()).toBe(before + 1);
      answers.forEach((a, i) => {
        expect(a.requestId).toBe(`r-${i}`);
        expect(a.predictedLtv).toBe(predictBaselineLtv(request(`c-${"x".repeat(i)}`, `r-${i}`)).predictedLtv);
      });
      expect(client.metrics().batching).toEqual({ batches: 1, items: 20 });
    } finally {
      await client.close();
    }
  });

  it("splits by maxBatchSize", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, batching: { maxBatchSize: 4 } });
    try {
      const before = server.requestCount();
      await Promise.all(Array.from({ length: 10 }, (_, i) => client.prediction.predictLTV(request(`s-${i}`, `r-${i}`))));
      expect(server.requestCount()).toBe(before + 3);
      expect(client.metrics().batching).toEqual({ batches: 3, items: 10 });
    } finally {
      await client.close();
    }
  });

  it("fails only the bad item of a batch", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, batching: true, fallback: false });
    try {
      const before = server.requestCount();
      const results = await Promise.allSettled([
        client.prediction.predictLTV(request("good-1", "r-1")),
        client.prediction.predictLTV(request("model-breaks", "r-2")),
        client.prediction.predictLTV(request("good-3", "r-3")),
      ]);
      expect(server.requestCount()).toBe(before + 1);
      expect(results[0]).toMatchObject({ status: "fulfilled", value: { requestId: "r-1", status: PredictionStatus.SUCCESS } });
      expect(results[2]).toMatchObject({ status: "fulfilled", value: { requestId: "r-3", status: PredictionStatus.SUCCESS } });
      expect(results[1].status).toBe("rejected");
      const error = ConnectError.from((results[1] as PromiseRejectedResult).reason);
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toMatch(/no model for this one/);
    } finally {
      await client.close();
    }
  });

  it("cancels only the caller that aborts", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, batching: { windowMs: 20 } });
    try {
      const abort = new AbortController();
      const kept = client.prediction.predictLTV(request("keep", "r-keep"));
      const dropped = client.prediction.predictLTV(request("drop", "r-drop"), { signal: abort.signal });
      abort.abort();
      await expect(dropped).rejects.toMatchObject({ code: Code.Canceled });
      await expect(kept).resolves.toMatchObject({ requestId: "r-keep" });
      expect(client.metrics().batching.items).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe("micro-batching against a server that refuses the batch", () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await createServer({ maxBatchSize: 2 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("sends the items one by one when the whole batch is refused with InvalidArgument", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, batching: { maxBatchSize: 4 } });
    try {
      const before = server.requestCount();
      const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => client.prediction.predictLTV(request(`w-${i}`, `r-${i}`))));
      expect(answers.map((a) => a.requestId)).toEqual(["r-0", "r-1", "r-2", "r-3"]);
      expect(answers.every((a) => a.status === PredictionStatus.SUCCESS)).toBe(true);
      // One refused batch, then four single calls.
      expect(server.requestCount()).toBe(before + 5);
    } finally {
      await client.close();
    }
  });
});
