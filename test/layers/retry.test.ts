import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import { createMemoryConceptStore, createServer, type ConceptStore, type ReferenceServer } from "../../src/server/index.js";

describe("retries", () => {
  let server: ReferenceServer;
  let failWrites = false;
  let failReads = 0;
  beforeAll(async () => {
    const memory = createMemoryConceptStore();
    const store: ConceptStore = {
      ...memory,
      learnConcept(concept) {
        if (failWrites) throw new ConnectError("store overloaded", Code.Unavailable);
        return memory.learnConcept(concept);
      },
      queryConcept(id) {
        if (failReads > 0) {
          failReads--;
          throw new ConnectError("store overloaded", Code.Unavailable);
        }
        return memory.queryConcept(id);
      },
    };
    server = await createServer({ store });
  });
  afterAll(async () => {
    await server.close();
  });

  // A seeded generator (mulberry32), so the jitter is the same on every run.
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it("retries an idempotent read on Unavailable with backoff, and reports each retry", async () => {
    const events: Array<{ attempt: number; delayMs: number }> = [];
    const client = createClient({
      storage: server.url,
      timeoutMs: 2_000,
      retry: { maxAttempts: 4, random: seeded(7) },
      onEvent: (e) => {
        if (e.type === "retry") events.push({ attempt: e.attempt, delayMs: e.delayMs });
      },
    });
    try {
      await client.storage.learnConcept({ conceptId: "r-1", content: "hello", strength: 1, confidence: 1 });
      failReads = 2;
      const before = server.requestCount();
      const found = await client.storage.queryConcept({ conceptId: "r-1" });
      expect(found).toMatchObject({ found: true, content: "hello" });
      expect(server.requestCount()).toBe(before + 3);
      expect(events.map((e) => e.attempt)).toEqual([1, 2]);
      // Full jitter: each delay within [0, base * 2^n).
      expect(events[0]!.delayMs).toBeLessThan(5);
      expect(events[1]!.delayMs).toBeLessThan(10);
      expect(client.metrics().retries).toBe(2);
    } finally {
      failReads = 0;
      await client.close();
    }
  });

  it("never repeats a write", async () => {
    const client = createClient({ storage: server.url, timeoutMs: 2_000, retry: { maxAttempts: 5 } });
    try {
      failWrites = true;
      const before = server.requestCount();
      await expect(
        client.storage.learnConcept({ conceptId: "w-1", content: "x", strength: 1, confidence: 1 }),
      ).rejects.toMatchObject({ code: Code.Unavailable });
      expect(server.requestCount()).toBe(before + 1);
      expect(client.metrics().retries).toBe(0);
    } finally {
      failWrites = false;
      await client.close();
    }
  });

  it("stops retrying when the retry budget is spent", async () => {
    const client = createClient({
      storage: server.url,
      timeoutMs: 2_000,
      circuitBreaker: false,
      retry: { maxAttempts: 3, baseDelayMs: 1, random: seeded(3) },
    });
    try {
      failReads = 1_000;
      const before = server.requestCount();
      for (let i = 0; i < 10; i++) {
        await expect(client.storage.queryConcept({ conceptId: "b-1" })).rejects.toMatchObject({ code: Code.Unavailable });
      }
      const sent = server.requestCount() - before;
      // Without a budget: 30 requests. The bucket holds 10 tokens, each failure takes
      // one, and retries go out only above 5: 3 retries, then single attempts.
      expect(sent).toBe(13);
      const m = client.metrics();
      expect(m.retries).toBe(3);
      expect(m.retriesThrottled).toBeGreaterThan(0);
    } finally {
      failReads = 0;
      await client.close();
    }
  });

  it("retries within the call's deadline only", async () => {
    const client = createClient({
      storage: server.url,
      retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000, random: () => 0.99 },
      circuitBreaker: false,
    });
    try {
      failReads = 1_000;
      const before = server.requestCount();
      await expect(client.storage.queryConcept({ conceptId: "d-1" }, { timeoutMs: 200 })).rejects.toMatchObject({
        code: Code.Unavailable,
      });
      // A 990 ms backoff does not fit in a 200 ms deadline: one attempt only.
      expect(server.requestCount()).toBe(before + 1);
    } finally {
      failReads = 0;
      await client.close();
    }
  });
});
