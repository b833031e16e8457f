// Every caller keeps its own deadline and signal, whatever shared work it
// joins: a coalesced request of the caches, a micro-batch, a hedged call, a
// background refresh. The servers here accept a request and hold it for as
// long as the test says (they never answer it while `holding` is on).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundWaitUntil } from "../../src/cache/background-wait-until.js";
import { LTVPredictionRequestSchema, PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { createMemoryConceptStore, createServer, type ReferenceServer } from "../../src/server/index.js";

const request = (customerId: string, requestId = "r") =>
  create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "meta",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 60 }],
  });

/** A call's outcome ("ok" or its error's code name) and how long it took from the moment it was made. */
async function timed<T>(call: () => Promise<T>): Promise<{ outcome: string; ms: number; value?: T }> {
  const started = performance.now();
  try {
    const value = await call();
    return { outcome: "ok", ms: performance.now() - started, value };
  } catch (e) {
    return { outcome: Code[ConnectError.from(e).code], ms: performance.now() - started };
  }
}

// A loaded machine is slow to fire timers and answer: generous upper bounds, no speed asserted.
const SLACK_MS = 1_500;

let server: ReferenceServer;
let holding = false;
const held: (() => void)[] = [];
const hold = async (id: string) => {
  if (holding) await new Promise<void>((r) => held.push(r));
  // Customers named slow-* take 600 ms.
  if (id.startsWith("slow-")) await new Promise((r) => setTimeout(r, 600));
};

beforeAll(async () => {
  const store = createMemoryConceptStore();
  server = await createServer({
    model: async (req) => {
      await hold(req.customerId);
      return predictBaselineLtv(req);
    },
    store: {
      ...store,
      queryConcept: async (id) => {
        await hold(id);
        return store.queryConcept(id);
      },
    },
  });
});

afterAll(async () => {
  holding = false;
  for (const release of held.splice(0)) release();
  await server?.close();
});

describe("coalesced cache flights", () => {
  it("a joiner with a shorter deadline gets DeadlineExceeded at its own deadline, not the flight's", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, fallback: false });
    holding = true;
    try {
      const first = timed(() => client.prediction.predictLTV(request("c-joiner"), { timeoutMs: 3_000 }));
      await new Promise((r) => setTimeout(r, 20));
      const joiner = await timed(() => client.prediction.predictLTV(request("c-joiner"), { timeoutMs: 300 }));
      expect(joiner.outcome).toBe("DeadlineExceeded");
      expect(joiner.ms).toBeGreaterThanOrEqual(290);
      expect(joiner.ms).toBeLessThan(300 + SLACK_MS);
      expect(client.metrics().cache.coalesced).toBe(1);
      expect((await first).outcome).toBe("DeadlineExceeded");
    } finally {
      holding = false;
      await client.close();
    }
  });

  it("a joiner with a later deadline than the request it joined tries again with the time it has left", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, fallback: false });
    try {
      const before = server.requestCount();
      const first = timed(() => client.prediction.predictLTV(request("slow-rejoin"), { timeoutMs: 300 }));
      await new Promise((r) => setTimeout(r, 20));
      const joiner = await timed(() => client.prediction.predictLTV(request("slow-rejoin"), { timeoutMs: 4_000 }));
      expect((await first).outcome).toBe("DeadlineExceeded");
      expect(joiner.outcome).toBe("ok");
      expect(joiner.value?.status).toBe(PredictionStatus.SUCCESS);
      expect(joiner.ms).toBeGreaterThanOrEqual(280);
      expect(server.requestCount()).toBe(before + 2);
      expect(client.metrics().cache.coalesced).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("a request still pending past its deadline (one that will never settle) is not joined: the next call sends its own", async () => {
    // An interceptor that ignores the call's signal and deadline stands in for a
    // request the platform cancelled without settling it (what workerd does).
    let stuck = true;
    const stuckCalls: (() => void)[] = [];
    const client = createClient({
      prediction: server.url,
      timeoutMs: 5_000,
      retry: false,
      fallback: false,
      interceptors: [
        (next) => async (req) => {
          if (stuck) await new Promise<void>((r) => stuckCalls.push(r));
          return next(req);
        },
      ],
    });
    const leave = new AbortController();
    try {
      const before = server.requestCount();
      // Its caller leaves by its signal at the end; its request never settles by itself.
      const first = timed(() => client.prediction.predictLTV(request("c-zombie"), { timeoutMs: 300, signal: leave.signal }));
      await new Promise((r) => setTimeout(r, 20));
      // Joins it, and leaves at its own deadline.
      const joiner = await timed(() => client.prediction.predictLTV(request("c-zombie"), { timeoutMs: 200 }));
      expect(joiner.outcome).toBe("DeadlineExceeded");
      expect(joiner.ms).toBeLessThan(200 + SLACK_MS);
      await new Promise((r) => setTimeout(r, 300));
      // Past the first request's deadline: a fresh request, which goes through.
      stuck = false;
      const later = await timed(() => client.prediction.predictLTV(request("c-zombie"), { timeoutMs: 3_000 }));
      expect(later.outcome).toBe("ok");
      expect(later.ms).toBeLessThan(3_000);
      expect(server.requestCount()).toBe(before + 1);
      expect(client.metrics().cache.coalesced).toBe(1);
      leave.abort();
      expect((await first).outcome).toBe("Canceled");
    } finally {
      leave.abort();
      for (const release of stuckCalls.splice(0)) release();
      await client.close();
    }
  });

  it("a refresh stuck on the server is not joined: a later miss sends its own request and succeeds", async () => {
    let clock = 1_000_000;
    const client = createClient({
      prediction: server.url,
      timeoutMs: 2_000,
      retry: false,
      fallback: false,
      cache: { ttlMs: 1_000, staleWhileRevalidateMs: 1_000, staleIfErrorMs: 0, now: () => clock },
    });
    try {
      expect((await timed(() => client.prediction.predictLTV(request("c-stuck")))).outcome).toBe("ok");
      const before = server.requestCount();
      // Stale: served at once; its refresh (the call has no deadline) is held by the server.
      holding = true;
      clock += 1_500;
      const stale = await timed(() => client.prediction.predictLTV(request("c-stuck"), { timeoutMs: 0 }));
      expect(stale.outcome).toBe("ok");
      for (let i = 0; i < 200 && server.requestCount() < before + 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(server.requestCount()).toBe(before + 1);
      // The server answers new requests again; the refresh stays stuck. Past every window: a miss.
      holding = false;
      clock += 1_000;
      const later = await timed(() => client.prediction.predictLTV(request("c-stuck"), { timeoutMs: 1_000 }));
      expect(later.outcome).toBe("ok");
      expect(later.value?.status).toBe(PredictionStatus.SUCCESS);
      expect(server.requestCount()).toBe(before + 2);
      expect(client.metrics().cache.coalesced).toBe(0);
    } finally {
      holding = false;
      await client.close();
    }
  });

  it("hands a refresh to waitUntil (the call's over the client's), bounded by the client's deadline", async () => {
    let clock = 2_000_000;
    const byClient: Promise<unknown>[] = [];
    const byCall: Promise<unknown>[] = [];
    const client = createClient({
      prediction: server.url,
      timeoutMs: 400,
      retry: false,
      fallback: false,
      waitUntil: (p) => byClient.push(p),
      cache: { ttlMs: 1_000, staleWhileRevalidateMs: 5_000, now: () => clock },
    });
    try {
      expect((await timed(() => client.prediction.predictLTV(request("c-wait"), { timeoutMs: 5_000 }))).outcome).toBe("ok");
      holding = true;
      clock += 1_500;
      // A call without a deadline: its refresh still ends by the client's 400 ms.
      expect((await timed(() => client.prediction.predictLTV(request("c-wait"), { timeoutMs: 0 }))).outcome).toBe("ok");
      expect(byClient).toHaveLength(1);
      const settled = await timed(() => byClient[0]!);
      expect(settled.ms).toBeLessThan(400 + SLACK_MS);
      // Failed, so the next refresh waits out the backoff (1 s); then the call's own waitUntil is used.
      await new Promise((r) => setTimeout(r, 1_100));
      clock += 1_100;
      holding = false;
      const contextValues = createContextValues().set(backgroundWaitUntil, (p) => byCall.push(p));
      expect((await timed(() => client.prediction.predictLTV(request("c-wait"), { contextValues }))).outcome).toBe("ok");
      expect(byCall).toHaveLength(1);
      expect(byClient).toHaveLength(1);
      await byCall[0];
      // The refresh completed and was stored: a fresh hit.
      const hitsBefore = client.metrics().cache.hits;
      await client.prediction.predictLTV(request("c-wait"));
      expect(client.metrics().cache.hits).toBe(hitsBefore + 1);
    } finally {
      holding = false;
      await client.close();
    }
  });

  it("refuses a waitUntil that is not a function, naming it, before anything is sent", async () => {
    // @ts-expect-error a wrong type on purpose
    expect(() => createClient({ prediction: server.url, waitUntil: "later" })).toThrow(/\] waitUntil: must be a function/);
    // @ts-expect-error a wrong type on purpose
    expect(() => createPredictionClient({ endpoint: server.url, waitUntil: {} })).toThrow(/\] waitUntil: must be a function/);
    const client = createPredictionClient({ endpoint: server.url, timeoutMs: 2_000 });
    try {
      const before = server.requestCount();
      const contextValues = createContextValues().set(backgroundWaitUntil, 42 as never);
      const call = client.prediction.predictLTV(request("c-bad-wait"), { contextValues });
      await expect(call).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^contextValues\.backgroundWaitUntil: /) });
      expect(server.requestCount()).toBe(before);
    } finally {
      await client.close();
    }
  });

  it("storage reads: a joiner keeps its own deadline, and a flight every caller left is not joined", async () => {
    const client = createClient({ storage: server.url, timeoutMs: 5_000, retry: false, cache: { storageReads: ["queryConcept"] } });
    holding = true;
    try {
      const leave = new AbortController();
      // No deadline of its own: only its signal ends it.
      const first = timed(() => client.storage.queryConcept({ conceptId: "k-1" }, { timeoutMs: 0, signal: leave.signal }));
      await new Promise((r) => setTimeout(r, 20));
      const joiner = await timed(() => client.storage.queryConcept({ conceptId: "k-1" }, { timeoutMs: 300 }));
      expect(joiner.outcome).toBe("DeadlineExceeded");
      expect(joiner.ms).toBeLessThan(300 + SLACK_MS);
      leave.abort();
      expect((await first).outcome).toBe("Canceled");
      holding = false;
      const later = await timed(() => client.storage.queryConcept({ conceptId: "k-1" }, { timeoutMs: 2_000 }));
      expect(later.outcome).toBe("ok");
      expect(client.metrics().cache.coalesced).toBe(1);
    } finally {
      holding = false;
      await client.close();
    }
  });
});

describe("micro-batches", () => {
  it("a queued caller gets DeadlineExceeded at its own deadline, even while its batch waits to leave", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, cache: false, retry: false, fallback: false, batching: { windowMs: 4_000 } });
    try {
      const before = server.requestCount();
      const queued = await timed(() => client.prediction.predictLTV(request("b-queued"), { timeoutMs: 300 }));
      expect(queued.outcome).toBe("DeadlineExceeded");
      expect(queued.ms).toBeLessThan(300 + SLACK_MS);
      // It left before its batch was sent: nothing is sent for it.
      await new Promise((r) => setTimeout(r, 50));
      expect(server.requestCount()).toBe(before);
    } finally {
      await client.close();
    }
  });

  it("a caller of a held batch leaves at its own deadline; a later batch succeeds once the server answers", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, cache: false, retry: false, fallback: false, batching: true });
    holding = true;
    try {
      const [short, long] = await Promise.all([
        timed(() => client.prediction.predictLTV(request("b-short"), { timeoutMs: 300 })),
        timed(() => client.prediction.predictLTV(request("b-long"), { timeoutMs: 800 })),
      ]);
      expect(short.outcome).toBe("DeadlineExceeded");
      expect(short.ms).toBeLessThan(300 + SLACK_MS);
      expect(long.outcome).toBe("DeadlineExceeded");
      expect(long.ms).toBeGreaterThanOrEqual(790);
      expect(long.ms).toBeLessThan(800 + SLACK_MS);
      holding = false;
      const later = await timed(() => client.prediction.predictLTV(request("b-later"), { timeoutMs: 2_000 }));
      expect(later.outcome).toBe("ok");
      expect(client.metrics().batching.batches).toBe(2);
    } finally {
      holding = false;
      await client.close();
    }
  });
});

describe("hedged calls", () => {
  it("a hedged call against a held server fails at its own deadline, then succeeds once the server answers", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, cache: false, retry: false, fallback: false, hedging: { delayMs: 50 } });
    holding = true;
    try {
      const before = server.requestCount();
      const hedged = await timed(() => client.prediction.predictLTV(request("h-1"), { timeoutMs: 400 }));
      expect(hedged.outcome).toBe("DeadlineExceeded");
      expect(hedged.ms).toBeGreaterThanOrEqual(390);
      expect(hedged.ms).toBeLessThan(400 + SLACK_MS);
      // Both attempts reached the server.
      expect(server.requestCount()).toBe(before + 2);
      expect(client.metrics().hedges).toBe(1);
      holding = false;
      const abort = new AbortController();
      const later = await timed(() => client.prediction.predictLTV(request("h-2"), { timeoutMs: 2_000, signal: abort.signal }));
      expect(later.outcome).toBe("ok");
    } finally {
      holding = false;
      await client.close();
    }
  });

  it("a hedged call ends at its caller's abort", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 5_000, cache: false, retry: false, fallback: false, hedging: { delayMs: 50 } });
    holding = true;
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 200);
      const hedged = await timed(() => client.prediction.predictLTV(request("h-3"), { timeoutMs: 3_000, signal: abort.signal }));
      expect(hedged.outcome).toBe("Canceled");
      expect(hedged.ms).toBeLessThan(200 + SLACK_MS);
    } finally {
      holding = false;
      await client.close();
    }
  });
});
