import { create } from "@bufbuild/protobuf";
import { FlushResponseSchema, StorageService } from "../gen/sutra/storage/storage_pb.js";
import { findPathEcho, queryConceptEcho, vectorSearchEcho, writeSequenceEcho } from "./answer-echo.js";
import { createMethodBinding, type TcpMethodBinding } from "./method-binding.js";
import { TcpProtocolError } from "./protocol-error.js";
import { isPlainObject } from "./wire-message.js";

/**
 * The storage server's own TCP protocol (docs/wire-protocol.md, storage
 * variants). Requests are the variant names below; responses `<Variant>Ok`,
 * except `GetStats` -> `StatsOk` and `Flush` -> the bare `"FlushOk"`.
 */
const m = StorageService.method;

/** `StatsOk` from newer servers inserts `vectors` as the 3rd of 8 fields; the proto has no such field. */
function dropStatsVectors(body: unknown): unknown {
  if (Array.isArray(body)) {
    if (body.length === 8) return [body[0], body[1], ...body.slice(3)];
    if (body.length !== 7) throw new TcpProtocolError(`StatsOk: expected 7 or 8 positional fields, got ${body.length}`);
    return body;
  }
  if (isPlainObject(body)) return body; // named: `vectors` is an unknown key and ignored
  return body;
}

/** Bindings of every `sutra.storage.StorageService` method. */
export const storageTcpBindings: readonly TcpMethodBinding[] = [
  createMethodBinding(m.learnConcept, { requestVariant: "LearnConcept", responseVariant: "LearnConceptOk", checkAnswer: writeSequenceEcho }),
  createMethodBinding(m.queryConcept, { requestVariant: "QueryConcept", responseVariant: "QueryConceptOk", checkAnswer: queryConceptEcho }),
  createMethodBinding(m.learnAssociation, { requestVariant: "LearnAssociation", responseVariant: "LearnAssociationOk", checkAnswer: writeSequenceEcho }),
  createMethodBinding(m.getNeighbors, { requestVariant: "GetNeighbors", responseVariant: "GetNeighborsOk" }),
  createMethodBinding(m.findPath, { requestVariant: "FindPath", responseVariant: "FindPathOk", checkAnswer: findPathEcho }),
  createMethodBinding(m.vectorSearch, { requestVariant: "VectorSearch", responseVariant: "VectorSearchOk", checkAnswer: vectorSearchEcho }),
  createMethodBinding(m.getStats, {
    requestVariant: "GetStats",
    responseVariant: "StatsOk",
    normalizeResponseBody: dropStatsVectors,
  }),
  createMethodBinding(m.flush, {
    requestVariant: "Flush",
    responseVariant: "FlushOk",
    bareResponse: {
      message: () => create(FlushResponseSchema, { success: true }),
      // The wire has no way to say "flushed: false"; such an answer is an error.
      accepts: (res) => (res.success ? undefined : "flush failed"),
    },
  }),
  createMethodBinding(m.healthCheck, { requestVariant: "HealthCheck", responseVariant: "HealthCheckOk" }) as TcpMethodBinding,
] as TcpMethodBinding[];
