import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createMemoryConceptStore } from "../../src/server/memory-concept-store.js";
import type { ConceptStore } from "../../src/server/concept-store.js";

function concept(conceptId: string, embedding: number[] = []) {
  return { conceptId, content: `about ${conceptId}`, embedding, strength: 0.5, confidence: 0.75 };
}

async function link(store: ConceptStore, ...pairs: Array<[string, string]>) {
  for (const [sourceId, targetId] of pairs) await store.learnAssociation({ sourceId, targetId, assocType: 1, confidence: 1 });
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((acc, x, i) => acc + x * b[i]!, 0);
  return dot / (Math.sqrt(a.reduce((acc, x) => acc + x * x, 0)) * Math.sqrt(b.reduce((acc, x) => acc + x * x, 0)));
}

describe("createMemoryConceptStore", () => {
  it("stores and reads concepts, and overwrites on a second write", async () => {
    const store = createMemoryConceptStore();
    await store.learnConcept(concept("a", [1, 2]));
    expect(await store.queryConcept("a")).toEqual(concept("a", [1, 2]));
    expect(await store.queryConcept("nope")).toBeUndefined();
    await store.learnConcept({ ...concept("a", [3, 4]), content: "new" });
    expect((await store.queryConcept("a"))?.content).toBe("new");
    expect((await store.getStats()).concepts).toBe(1n);
  });

  it("numbers every write with one sequence that only grows", async () => {
    const store = createMemoryConceptStore();
    const seen: bigint[] = [];
    seen.push(await store.learnConcept(concept("a")));
    seen.push(await store.learnAssociation({ sourceId: "a", targetId: "b", assocType: 0, confidence: 1 }));
    seen.push(await store.learnConcept(concept("a"))); // an overwrite is still a write
    seen.push(await store.learnAssociation({ sourceId: "a", targetId: "b", assocType: 2, confidence: 0.1 }));
    seen.push(await store.learnConcept(concept("b")));
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(typeof seen[0]).toBe("bigint");
    const stats = await store.getStats();
    expect(stats.written).toBe(seen.at(-1));
    expect(stats).toMatchObject({ concepts: 2n, edges: 1n, dropped: 0n, pending: 0n, reconciliations: 0n });
  });

  it("lists outgoing neighbours only, in learning order", async () => {
    const store = createMemoryConceptStore();
    await link(store, ["a", "c"], ["a", "b"], ["d", "a"], ["a", "c"]);
    expect(await store.getNeighbors("a")).toEqual(["c", "b"]);
    expect(await store.getNeighbors("b")).toEqual([]);
    expect(await store.getNeighbors("d")).toEqual(["a"]);
  });

  it("finds a shortest path breadth-first, bounded by maxDepth, following direction", async () => {
    const store = createMemoryConceptStore();
    // a -> b -> c -> d -> e, a shortcut a -> x -> d, and a cycle e -> a.
    await link(store, ["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["a", "x"], ["x", "d"], ["e", "a"]);
    expect(await store.findPath("a", "a", 0)).toEqual(["a"]);
    expect(await store.findPath("a", "b", 0)).toBeUndefined();
    expect(await store.findPath("a", "b", 1)).toEqual(["a", "b"]);
    expect(await store.findPath("a", "d", 1)).toBeUndefined();
    expect(await store.findPath("a", "d", 2)).toEqual(["a", "x", "d"]);
    expect(await store.findPath("a", "e", 2)).toBeUndefined();
    expect(await store.findPath("a", "e", 3)).toEqual(["a", "x", "d", "e"]);
    expect(await store.findPath("b", "x", 10)).toEqual(["b", "c", "d", "e", "a", "x"]);
    expect(await store.findPath("a", "nowhere", 50)).toBeUndefined();
  });

  it("ranks vector search results by cosine similarity and returns the top k", async () => {
    const store = createMemoryConceptStore();
    const vectors: Record<string, number[]> = {
      east: [1, 0, 0],
      farEast: [10, 0, 0], // same direction, other length: same similarity
      north: [0, 1, 0],
      northEast: [1, 1, 0],
      west: [-1, 0, 0],
      up: [0.2, 0.1, 3],
    };
    for (const [id, v] of Object.entries(vectors)) await store.learnConcept(concept(id, v));
    await store.learnConcept(concept("noEmbedding"));
    const query = [0.9, 0.3, 0.1];
    const all = await store.vectorSearch(query, 100, 0);
    expect(all).toHaveLength(Object.keys(vectors).length);
    const expected = Object.entries(vectors)
      .map(([id, v]) => ({ conceptId: id, similarity: cosine(query, v) }))
      .sort((a, b) => b.similarity - a.similarity || a.conceptId.localeCompare(b.conceptId));
    expect(all.map((m) => m.conceptId)).toEqual(expected.map((m) => m.conceptId));
    all.forEach((m, i) => expect(m.similarity).toBeCloseTo(expected[i]!.similarity, 12));
    expect(all.at(-1)?.conceptId).toBe("west");
    expect((await store.vectorSearch(query, 2, 0)).map((m) => m.conceptId)).toEqual(["east", "farEast"]);
  });

  it("rejects embeddings and queries of another dimension", async () => {
    const store = createMemoryConceptStore();
    expect(await store.vectorSearch([1, 2], 3, 0)).toEqual([]);
    await store.learnConcept(concept("a", [1, 2]));
    for (const attempt of [() => store.learnConcept(concept("b", [1, 2, 3])), () => store.vectorSearch([1], 1, 0)]) {
      let err: unknown;
      try {
        await attempt();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    }
  });

  it("reports health and flushes", async () => {
    const store = createMemoryConceptStore();
    expect(await store.flush()).toBe(true);
    expect(await store.healthCheck()).toEqual({ healthy: true, status: "ok", uptimeSeconds: 0n });
  });
});
