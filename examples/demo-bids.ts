import type { LTVPredictionResponse } from "syncvalue";

/** Placeholder: the demo's bids move to syncvalue/bid (issue 5). */
export function bidsFor(predictions: LTVPredictionResponse[], platformOf: Map<string, string>): void {
  let total = 0;
  for (const p of predictions) total += 0.3 * p.predictedLtv;
  console.log(`bids (30% of predicted LTV): ${predictions.length} bids, ${total.toFixed(2)} in total, ${platformOf.size} customers`);
}
