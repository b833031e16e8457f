import type { MessageShape } from "@bufbuild/protobuf";
import type {
  FindPathRequestSchema,
  GetNeighborsRequestSchema,
  LearnAssociationRequestSchema,
  LearnConceptRequestSchema,
  QueryConceptRequestSchema,
  VectorSearchRequestSchema,
} from "../gen/sutra/storage/storage_pb.js";
import { checkArray, checkFloat32, checkId, checkString, checkUint32 } from "./field-checks.js";
import { invalidArgument } from "./invalid-argument.js";
import { validationLimits } from "./validation-limits.js";

export function validateLearnConcept(req: MessageShape<typeof LearnConceptRequestSchema>): void {
  checkId(req.conceptId, "conceptId");
  checkString(req.content, "content");
  checkArray(req.embedding, "embedding", validationLimits.maxVectorDimension, checkFloat32);
  checkFloat32(req.strength, "strength");
  checkUnitInterval(req.confidence, "confidence");
}

export function validateConceptId(req: MessageShape<typeof QueryConceptRequestSchema | typeof GetNeighborsRequestSchema>): void {
  checkId(req.conceptId, "conceptId");
}

export function validateLearnAssociation(req: MessageShape<typeof LearnAssociationRequestSchema>): void {
  checkId(req.sourceId, "sourceId");
  checkId(req.targetId, "targetId");
  checkUint32(req.assocType, "assocType");
  checkUnitInterval(req.confidence, "confidence");
}

export function validateFindPath(req: MessageShape<typeof FindPathRequestSchema>): void {
  checkId(req.startId, "startId");
  checkId(req.endId, "endId");
  checkUint32(req.maxDepth, "maxDepth");
}

export function validateVectorSearch(req: MessageShape<typeof VectorSearchRequestSchema>): void {
  checkArray(req.queryVector, "queryVector", validationLimits.maxVectorDimension, checkFloat32);
  if (req.queryVector.length === 0) throw invalidArgument("queryVector", "must not be empty");
  checkUint32(req.k, "k");
  if (req.k === 0) throw invalidArgument("k", "must be at least 1");
  checkUint32(req.efSearch, "efSearch");
}

function checkUnitInterval(value: unknown, field: string): void {
  checkFloat32(value, field);
  if ((value as number) < 0 || (value as number) > 1) throw invalidArgument(field, "must be between 0 and 1");
}
