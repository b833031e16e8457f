import { BidInputError, requireFinite, requireNonNegative, requireProbability } from "./bid-input-error.js";

/**
 * The names of `syncvalue.v1.PredictionStatus`, in enum order (SUCCESS = 0 ...
 * FALLBACK = 5). Kept here as plain strings so this module needs no generated
 * code at runtime.
 */
export const predictionStatusNames = [
  "SUCCESS",
  "MODEL_ERROR",
  "INVALID_INPUT",
  "INSUFFICIENT_DATA",
  "TIMEOUT",
  "FALLBACK",
] as const;

/** A `syncvalue.v1.PredictionStatus` name. */
export type PredictionStatusName = (typeof predictionStatusNames)[number];

/**
 * The prediction fields the bidder reads. It is a structural subset of the
 * generated `LTVPredictionResponse` (protobuf-es, number enum status) and of the
 * TCP binding's decoded response (status as its name), so either can be passed
 * as is.
 */
export interface PredictionInput {
  /** Predicted lifetime value of the customer, in the bidder's currency. */
  predictedLtv: number;
  /** Model confidence, 0..1. */
  confidence: number;
  /** Lower end of the 95% interval. 0 together with `ltvUpperBound` 0 means "no interval". */
  ltvLowerBound?: number;
  /** Upper end of the 95% interval. */
  ltvUpperBound?: number;
  /** `PredictionStatus` as its number (protobuf-es) or its name (TCP binding). Default SUCCESS. */
  status?: number | string;
  /** Reported back in explanations. */
  modelVersion?: string;
  /** Optional; carried into the decision for logs. */
  requestId?: string;
}

/**
 * Normalises a status given as number or name. Unknown values are input
 * errors: guessing that an unknown status is usable could bid on garbage.
 */
export function predictionStatusName(status: number | string | undefined): PredictionStatusName {
  if (status === undefined) return "SUCCESS";
  if (typeof status === "number") {
    const name = predictionStatusNames[status];
    if (Number.isInteger(status) && name !== undefined) return name;
  } else {
    const upper = status.toUpperCase();
    if ((predictionStatusNames as readonly string[]).includes(upper)) return upper as PredictionStatusName;
  }
  throw new BidInputError("prediction.status", `unknown PredictionStatus ${String(status)}`);
}

/** Validates the numeric fields of a prediction; throws a {@link BidInputError} naming the field. */
export function validatePrediction(prediction: PredictionInput): void {
  requireNonNegative("prediction.predictedLtv", prediction.predictedLtv);
  requireProbability("prediction.confidence", prediction.confidence);
  if (prediction.ltvLowerBound !== undefined) requireFinite("prediction.ltvLowerBound", prediction.ltvLowerBound);
  if (prediction.ltvUpperBound !== undefined) requireFinite("prediction.ltvUpperBound", prediction.ltvUpperBound);
}
