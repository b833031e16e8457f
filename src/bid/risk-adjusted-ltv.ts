import type { PredictionInput } from "./prediction-input.js";

/**
 * How a prediction's uncertainty lowers the LTV the bidder believes.
 *
 * - `"confidence_bounds"`: `lower + confidence x (point - lower)`, clamped to
 *   `[0, upper]`. With confidence 1 the point estimate is used, with confidence
 *   0 the 95% lower bound. When the interval is missing or inconsistent (for
 *   example both bounds 0, proto3's default) it falls back to
 *   `confidence x point`.
 * - `"none"`: the point estimate as is.
 */
export type RiskAdjustment = "confidence_bounds" | "none";

/**
 * The risk-adjusted lifetime value of one prediction; never negative and never
 * above the upper bound when a valid interval is given.
 */
export function riskAdjustedLtv(prediction: PredictionInput, mode: RiskAdjustment): number {
  const point = prediction.predictedLtv;
  if (mode === "none") return point;
  const c = prediction.confidence;
  const lower = prediction.ltvLowerBound;
  const upper = prediction.ltvUpperBound;
  if (lower !== undefined && upper !== undefined && lower <= point && point <= upper && upper > 0) {
    const adjusted = lower + c * (point - lower);
    return Math.min(upper, Math.max(0, adjusted));
  }
  return Math.max(0, c * point);
}
