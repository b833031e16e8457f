import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { checkArray, checkFloat32, checkId, checkString } from "../validation/field-checks.js";
import { validationLimits } from "../validation/validation-limits.js";
import type { ConceptStore } from "./concept-store.js";

/**
 * Implements `sutra.storage.StorageService` on top of a {@link ConceptStore},
 * independently of any transport, so the HTTP server and a TCP binding can
 * share one instance.
 *
 * Validation, before the store is called (`InvalidArgument`, naming the field):
 * empty `concept_id`, `source_id`, `target_id`, `start_id` or `end_id`;
 * non-finite `embedding` values, `strength` or `confidence`; an empty,
 * non-finite or all-zero `query_vector`; `k` of 0; and the client's own
 * limits (`validationLimits`): ids of at most 1024 characters, `content` of
 * at most 1 Mi characters, vectors of at most 16,384 dimensions. A rejected
 * write never reaches the store, so it cannot fix the store's dimension. `max_depth` is taken
 * literally: 0 only finds a path from a concept to itself.
 * `QueryConcept` of an unknown id answers `found: false` with empty fields.
 * A store error that is not a `ConnectError` becomes `Internal`.
 *
 * @public
 */
export function createStorageService(store: ConceptStore): ServiceImpl<typeof StorageService> {
  return {
    async learnConcept(req) {
      requireId("concept_id", req.conceptId);
      checkString(req.content, "content");
      requireFiniteVector("embedding", req.embedding, true);
      requireFinite("strength", req.strength);
      requireFinite("confidence", req.confidence);
      const sequence = await call(() =>
        store.learnConcept({
          conceptId: req.conceptId,
          content: req.content,
          embedding: req.embedding,
          strength: req.strength,
          confidence: req.confidence,
        }),
      );
      return { sequence };
    },

    async queryConcept(req) {
      requireId("concept_id", req.conceptId);
      const concept = await call(() => store.queryConcept(req.conceptId));
      if (concept === undefined) return { found: false };
      return {
        found: true,
        conceptId: concept.conceptId,
        content: concept.content,
        strength: concept.strength,
        confidence: concept.confidence,
      };
    },

    async learnAssociation(req) {
      requireId("source_id", req.sourceId);
      requireId("target_id", req.targetId);
      requireFinite("confidence", req.confidence);
      const sequence = await call(() =>
        store.learnAssociation({
          sourceId: req.sourceId,
          targetId: req.targetId,
          assocType: req.assocType,
          confidence: req.confidence,
        }),
      );
      return { sequence };
    },

    async getNeighbors(req) {
      requireId("concept_id", req.conceptId);
      return { neighborIds: await call(() => store.getNeighbors(req.conceptId)) };
    },

    async findPath(req) {
      requireId("start_id", req.startId);
      requireId("end_id", req.endId);
      const path = await call(() => store.findPath(req.startId, req.endId, req.maxDepth));
      return path === undefined ? { found: false, path: [] } : { found: true, path };
    },

    async vectorSearch(req) {
      requireFiniteVector("query_vector", req.queryVector, false);
      if (req.queryVector.every((x) => x === 0)) {
        throw new ConnectError("query_vector: must not be all zeros (cosine similarity is undefined)", Code.InvalidArgument);
      }
      if (req.k === 0) throw new ConnectError("k: must be at least 1", Code.InvalidArgument);
      const matches = await call(() => store.vectorSearch(req.queryVector, req.k, req.efSearch));
      return { results: matches.map((m) => ({ conceptId: m.conceptId, similarity: m.similarity })) };
    },

    async getStats() {
      return await call(() => store.getStats());
    },

    async flush() {
      return { success: await call(() => store.flush()) };
    },

    async healthCheck() {
      return await call(() => store.healthCheck());
    },
  };
}

function requireId(field: string, value: string): void {
  checkId(value, field);
}

function requireFinite(field: string, value: number): void {
  if (!Number.isFinite(value)) throw new ConnectError(`${field}: must be a finite number`, Code.InvalidArgument);
}

function requireFiniteVector(field: string, values: readonly number[], mayBeEmpty: boolean): void {
  if (!mayBeEmpty && values.length === 0) throw new ConnectError(`${field}: must not be empty`, Code.InvalidArgument);
  // The length first: a vector over the limit is refused without a look at its values.
  checkArray(values, field, validationLimits.maxVectorDimension, checkFloat32);
}

/** Runs a store operation; errors that are not already a ConnectError become Internal. */
async function call<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    if (e instanceof ConnectError) throw e;
    throw new ConnectError(`store failed: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
}
