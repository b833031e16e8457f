import { Code, ConnectError } from "@connectrpc/connect";
import type {
  Association,
  Concept,
  ConceptMatch,
  ConceptStore,
  ConceptStoreHealth,
  ConceptStoreStats,
} from "./concept-store.js";

interface StoredConcept extends Concept {
  /** Euclidean norm of the embedding, computed once at write time. */
  norm: number;
}

/**
 * Creates the reference server's default store: everything in memory, lost
 * when the process exits.
 *
 * Semantics:
 * - Associations are directed: `getNeighbors(a)` lists the targets of
 *   associations whose source is `a`, in the order they were first learned,
 *   and `findPath` follows associations from source to target. Learning the
 *   same source/target pair again overwrites its type and confidence.
 *   An association may name concepts that were never learned.
 * - `findPath` is a breadth-first search, so the path it finds is a shortest
 *   one; it uses at most `maxDepth` associations (`maxDepth` 0 only finds
 *   `start == end`).
 * - `vectorSearch` is exact cosine similarity over every concept that has an
 *   embedding (`efSearch` is accepted and ignored: there is no approximate
 *   index to tune). Ties are ordered by concept id. The store's dimension
 *   is that of the embeddings it holds: the first non-empty embedding fixes
 *   it, and an embedding or query of another dimension is an
 *   `InvalidArgument` error, except a write that replaces the only concept
 *   holding an embedding (so one mistaken write can be undone by rewriting
 *   it, without a restart). A rejected write changes nothing.
 * - One sequence counter, shared by concepts and associations, numbers every
 *   write from 1 and only grows; `written` is its current value. Nothing is
 *   ever dropped, pending or reconciled, so those figures are 0.
 *
 * @public
 */
export function createMemoryConceptStore(): ConceptStore {
  const startedAt = Date.now();
  const concepts = new Map<string, StoredConcept>();
  // source id -> (target id -> association)
  const edges = new Map<string, Map<string, Association>>();
  let edgeCount = 0n;
  let sequence = 0n;
  let dimension: number | undefined;
  /** Concepts holding a non-empty embedding: while there are none, no dimension is fixed. */
  let embedded = 0;

  const uptimeSeconds = () => BigInt(Math.floor((Date.now() - startedAt) / 1000));

  return {
    learnConcept(concept) {
      const embedding = [...concept.embedding];
      const previous = concepts.get(concept.conceptId);
      const replacesOnlyEmbedding = previous !== undefined && previous.embedding.length > 0 && embedded === 1;
      if (embedding.length > 0 && dimension !== undefined && embedding.length !== dimension && !replacesOnlyEmbedding) {
        throw new ConnectError(
          `embedding: has ${embedding.length} dimensions, the store holds ${dimension}`,
          Code.InvalidArgument,
        );
      }
      if (previous !== undefined && previous.embedding.length > 0) embedded--;
      if (embedding.length > 0) {
        embedded++;
        dimension = embedding.length;
      } else if (embedded === 0) {
        dimension = undefined;
      }
      concepts.set(concept.conceptId, {
        conceptId: concept.conceptId,
        content: concept.content,
        embedding,
        strength: concept.strength,
        confidence: concept.confidence,
        norm: norm(embedding),
      });
      return ++sequence;
    },

    queryConcept(conceptId) {
      const found = concepts.get(conceptId);
      if (found === undefined) return undefined;
      const { norm: _norm, ...concept } = found;
      return { ...concept, embedding: [...concept.embedding] };
    },

    learnAssociation(association) {
      let targets = edges.get(association.sourceId);
      if (targets === undefined) {
        targets = new Map();
        edges.set(association.sourceId, targets);
      }
      if (!targets.has(association.targetId)) edgeCount++;
      targets.set(association.targetId, { ...association });
      return ++sequence;
    },

    getNeighbors(conceptId) {
      return [...(edges.get(conceptId)?.keys() ?? [])];
    },

    findPath(startId, endId, maxDepth) {
      if (startId === endId) return [startId];
      // Breadth-first, one level per iteration, so the depth bound is exact.
      const parent = new Map<string, string>([[startId, startId]]);
      let frontier = [startId];
      for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
        const next: string[] = [];
        for (const node of frontier) {
          for (const target of edges.get(node)?.keys() ?? []) {
            if (parent.has(target)) continue;
            parent.set(target, node);
            if (target === endId) return pathTo(parent, startId, endId);
            next.push(target);
          }
        }
        frontier = next;
      }
      return undefined;
    },

    vectorSearch(query, k, _efSearch) {
      if (dimension === undefined) return [];
      if (query.length !== dimension) {
        throw new ConnectError(
          `query_vector: has ${query.length} dimensions, the store holds ${dimension}`,
          Code.InvalidArgument,
        );
      }
      const queryNorm = norm(query);
      const matches: ConceptMatch[] = [];
      for (const concept of concepts.values()) {
        if (concept.embedding.length === 0 || concept.norm === 0 || queryNorm === 0) continue;
        let dot = 0;
        for (let i = 0; i < dimension; i++) dot += query[i]! * concept.embedding[i]!;
        matches.push({ conceptId: concept.conceptId, similarity: dot / (queryNorm * concept.norm) });
      }
      matches.sort((a, b) => b.similarity - a.similarity || (a.conceptId < b.conceptId ? -1 : a.conceptId > b.conceptId ? 1 : 0));
      return matches.slice(0, k);
    },

    getStats(): ConceptStoreStats {
      return {
        concepts: BigInt(concepts.size),
        edges: edgeCount,
        written: sequence,
        dropped: 0n,
        pending: 0n,
        reconciliations: 0n,
        uptimeSeconds: uptimeSeconds(),
      };
    },

    flush() {
      // Memory is as durable as this store gets.
      return true;
    },

    healthCheck(): ConceptStoreHealth {
      return { healthy: true, status: "ok", uptimeSeconds: uptimeSeconds() };
    },
  };
}

function pathTo(parent: Map<string, string>, startId: string, endId: string): string[] {
  const path = [endId];
  for (let node = endId; node !== startId; ) {
    node = parent.get(node)!;
    path.push(node);
  }
  return path.reverse();
}

// A loop, not Math.hypot(...v): spreading a long vector overflows the call stack.
function norm(vector: readonly number[]): number {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}
