/**
 * A value, or a promise of it: a store may answer synchronously (in memory)
 * or asynchronously (backed by I/O).
 *
 * @public
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A concept as written by `learnConcept` and read by `queryConcept`.
 *
 * @public
 */
export interface Concept {
  conceptId: string;
  content: string;
  /** Embedding vector; empty when the concept has none. */
  embedding: readonly number[];
  strength: number;
  confidence: number;
}

/**
 * A directed association from `sourceId` to `targetId`.
 *
 * @public
 */
export interface Association {
  sourceId: string;
  targetId: string;
  assocType: number;
  confidence: number;
}

/**
 * One `vectorSearch` result.
 *
 * @public
 */
export interface ConceptMatch {
  conceptId: string;
  /** Cosine similarity, in [-1, 1]. */
  similarity: number;
}

/**
 * Store figures reported by `GetStats`; `uint64` on the wire, hence `bigint`.
 *
 * @public
 */
export interface ConceptStoreStats {
  concepts: bigint;
  edges: bigint;
  written: bigint;
  dropped: bigint;
  pending: bigint;
  reconciliations: bigint;
  uptimeSeconds: bigint;
}

/**
 * Store health reported by `HealthCheck`.
 *
 * @public
 */
export interface ConceptStoreHealth {
  healthy: boolean;
  /** `"ok"` when healthy. */
  status: string;
  uptimeSeconds: bigint;
}

/**
 * The nine storage operations behind `sutra.storage.StorageService`. The
 * storage service validates requests before calling a store (non-empty ids,
 * finite numbers, `k > 0`), so a store only deals with well-formed input.
 * A store may throw a `ConnectError` (for example `InvalidArgument` for an
 * embedding dimension mismatch); any other error becomes `Internal`.
 *
 * @public
 */
export interface ConceptStore {
  /** Writes (or overwrites) a concept; returns its sequence number. */
  learnConcept(concept: Concept): MaybePromise<bigint>;
  /** Reads a concept, or `undefined` when there is none with that id. */
  queryConcept(conceptId: string): MaybePromise<Concept | undefined>;
  /** Writes (or overwrites) an association; returns its sequence number. */
  learnAssociation(association: Association): MaybePromise<bigint>;
  /** Ids reachable by one association from `conceptId`. */
  getNeighbors(conceptId: string): MaybePromise<string[]>;
  /**
   * A shortest path from `startId` to `endId` using at most `maxDepth`
   * associations, both ends included (`[startId]` when they are equal), or
   * `undefined` when there is none within that depth.
   */
  findPath(startId: string, endId: string, maxDepth: number): MaybePromise<string[] | undefined>;
  /** The `k` concepts most similar to `query`, most similar first. */
  vectorSearch(query: readonly number[], k: number, efSearch: number): MaybePromise<ConceptMatch[]>;
  getStats(): MaybePromise<ConceptStoreStats>;
  /** Makes every write durable; `true` on success. */
  flush(): MaybePromise<boolean>;
  healthCheck(): MaybePromise<ConceptStoreHealth>;
}
