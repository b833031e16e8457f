import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { methodValidators } from "./request-validator.js";
import {
  validateConceptId,
  validateFindPath,
  validateLearnAssociation,
  validateLearnConcept,
  validateVectorSearch,
} from "./storage-request-validation.js";

/** The request checks of the storage service (see the prediction ones). */
export const storageRequestValidators = /*@__PURE__*/ methodValidators(StorageService, {
  learnConcept: validateLearnConcept,
  queryConcept: validateConceptId,
  getNeighbors: validateConceptId,
  learnAssociation: validateLearnAssociation,
  findPath: validateFindPath,
  vectorSearch: validateVectorSearch,
});
