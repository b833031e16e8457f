import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import {
  validateBatchRequest,
  validateHealthRequest,
  validatePredictionCall,
  validatePredictionRequest,
} from "./prediction-request-validation.js";
import { methodValidators } from "./request-validator.js";

/**
 * The request checks of the prediction service. A module of its own, so that
 * a prediction-only client never loads the storage checks.
 */
export const predictionRequestValidators = /*@__PURE__*/ methodValidators(SyncValueService, {
  predictLTV: validatePredictionCall,
  predictLTVStream: (m) => validatePredictionRequest(m),
  predictLTVBatch: validateBatchRequest,
  getModelHealth: validateHealthRequest,
});
