import type { DescMethod } from "@bufbuild/protobuf";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import {
  validateBatchRequest,
  validateHealthRequest,
  validatePredictionRequest,
} from "./prediction-request-validation.js";
import {
  validateConceptId,
  validateFindPath,
  validateLearnAssociation,
  validateLearnConcept,
  validateVectorSearch,
} from "./storage-request-validation.js";

/** Validates one request message; throws `ConnectError` `InvalidArgument`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RequestValidator = (message: any) => void;

const p = SyncValueService.method;
const s = StorageService.method;

// Keyed by method descriptor: one lookup per call, no string building.
const validators = new Map<DescMethod, RequestValidator>([
  [p.predictLTV, (m) => validatePredictionRequest(m)],
  [p.predictLTVStream, (m) => validatePredictionRequest(m)],
  [p.predictLTVBatch, validateBatchRequest],
  [p.getModelHealth, validateHealthRequest],
  [s.learnConcept, validateLearnConcept],
  [s.queryConcept, validateConceptId],
  [s.getNeighbors, validateConceptId],
  [s.learnAssociation, validateLearnAssociation],
  [s.findPath, validateFindPath],
  [s.vectorSearch, validateVectorSearch],
]);

/** The validator for a method of our two services, or `undefined` (nothing to check). */
export function requestValidator(method: DescMethod): RequestValidator | undefined {
  return validators.get(method);
}
