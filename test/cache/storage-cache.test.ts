import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

describe("storage read cache", () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await createServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("caches opted-in reads, never writes, and a write invalidates what it touches", async () => {
    const client = createClient({
      storage: server.url,
      timeoutMs: 2_000,
      cache: { storageReads: ["queryConcept", "getNeighbors", "findPath"] },
    });
    const writer = createClient({ storage: server.url, timeoutMs: 2_000 });
    try {
      let before = server.requestCount();
      await client.storage.learnConcept({ conceptId: "a", content: "first", strength: 1, confidence: 1 });
      await client.storage.learnConcept({ conceptId: "a", content: "first", strength: 1, confidence: 1 });
      expect(server.requestCount()).toBe(before + 2); // writes always go out

      before = server.requestCount();
      expect(await client.storage.queryConcept({ conceptId: "a" })).toMatchObject({ found: true, content: "first" });
      expect(await client.storage.queryConcept({ conceptId: "a" })).toMatchObject({ content: "first" });
      expect(server.requestCount()).toBe(before + 1);

      // A write through this client drops the cached read: the next one sees it.
      await client.storage.learnConcept({ conceptId: "a", content: "second", strength: 1, confidence: 1 });
      expect(await client.storage.queryConcept({ conceptId: "a" })).toMatchObject({ content: "second" });
      expect(server.requestCount()).toBe(before + 3);

      // Neighbours and paths: an association invalidates both.
      await client.storage.learnConcept({ conceptId: "b", content: "b", strength: 1, confidence: 1 });
      await client.storage.learnConcept({ conceptId: "c", content: "c", strength: 1, confidence: 1 });
      await client.storage.learnAssociation({ sourceId: "a", targetId: "b", assocType: 1, confidence: 1 });
      expect((await client.storage.getNeighbors({ conceptId: "a" })).neighborIds).toEqual(["b"]);
      expect((await client.storage.findPath({ startId: "a", endId: "c", maxDepth: 4 })).found).toBe(false);
      before = server.requestCount();
      await client.storage.getNeighbors({ conceptId: "a" });
      await client.storage.findPath({ startId: "a", endId: "c", maxDepth: 4 });
      expect(server.requestCount()).toBe(before);
      await client.storage.learnAssociation({ sourceId: "b", targetId: "c", assocType: 1, confidence: 1 });
      expect((await client.storage.findPath({ startId: "a", endId: "c", maxDepth: 4 })).found).toBe(true);
      expect((await client.storage.getNeighbors({ conceptId: "b" })).neighborIds).toContain("c");
      expect(client.metrics().cache.invalidations).toBeGreaterThan(0);

      // Reads not opted in are never cached; another client's writes are only seen after the TTL.
      before = server.requestCount();
      await client.storage.getStats({});
      await client.storage.getStats({});
      expect(server.requestCount()).toBe(before + 2);
      expect(await client.storage.queryConcept({ conceptId: "a" })).toMatchObject({ content: "second" });
      await writer.storage.learnConcept({ conceptId: "a", content: "third", strength: 1, confidence: 1 });
      expect(await client.storage.queryConcept({ conceptId: "a" })).toMatchObject({ content: "second" });
    } finally {
      await client.close();
      await writer.close();
    }
  });

  it("does not cache storage reads by default", async () => {
    const client = createClient({ storage: server.url, timeoutMs: 2_000 });
    try {
      await client.storage.learnConcept({ conceptId: "d", content: "d", strength: 1, confidence: 1 });
      const before = server.requestCount();
      await client.storage.queryConcept({ conceptId: "d" });
      await client.storage.queryConcept({ conceptId: "d" });
      expect(server.requestCount()).toBe(before + 2);
    } finally {
      await client.close();
    }
  });
});
