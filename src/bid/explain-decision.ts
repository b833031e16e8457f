import type { BidDecision } from "./bid-decision.js";
import type { NoBidReason } from "./bid-reason.js";

// Terse on purpose (every byte ships to the edge): the reason code and the figures around it carry the rest.
const noBidText: Record<NoBidReason, string> = {
  outside_period: "outside the budget period",
  deadline_exceeded: "tmax has passed",
  currency_unsupported: "no rate for the floor currency",
  no_prediction: "no prediction, no prior LTV",
  late_prediction: "prediction after the deadline, no prior LTV",
  prediction_failed: "prediction failed, no prior LTV",
  zero_value: "no value",
  throttled: "skipped by the throttling controller",
  below_floor: "paced value below the floor or minBidCpm",
  budget_exhausted: "budget left after reservations cannot cover the floor",
  budget_unavailable: "budgetSource vouches for no money now",
  ahead_of_target: "spend + reservations would pass the pacing target by more than pacing.maxAheadShare",
};

function fmt(n: number): string {
  return n.toFixed(n >= 100 ? 0 : n >= 1 ? 2 : 4);
}

/**
 * The human-readable account of a decision: its reason and the arithmetic
 * behind the bid (value, risk adjustment, pacing, shading, budget) in one
 * line, for logs and for `toSyncflowBidRequest`'s `explanation`. An import of its own, so functions that never explain a decision do not
 * ship the text.
 *
 * @public
 */
export function explainDecision(d: BidDecision): string {
  const price = `${d.auctionType === 1 ? "first" : "second"} price, floor ${fmt(d.floorCpm)} ${d.currency}`;
  const valued = d.source !== undefined;
  const basis = !valued
    ? ""
    : d.strategy === "legacy_ltv_share"
      ? `legacy ${fmt(d.valueCpm)} CPM = share x predicted LTV ${fmt(d.predictedLtv)} x platform ${d.platformMultiplier}`
      : `value ${fmt(d.valueCpm)} CPM = 1000 x p ${d.conversionRate} x LTV ${fmt(d.riskAdjustedLtv)}` +
        ` x margin ${d.margin} x platform ${d.platformMultiplier}` +
        (d.strategy !== "max_value" ? ` (${d.strategy})` : "");
  const pacing =
    (d.fallbackFactor !== 1 ? `, fallback x${d.fallbackFactor}` : "") +
    (valued && d.pacingMultiplier !== 1 ? `, paced x${d.pacingMultiplier.toFixed(4)}` : "") +
    (valued && d.pacedCpm > 0 ? ` -> ${fmt(d.pacedCpm)}` : "");
  if (d.noBid) {
    const why = noBidText[d.reason as NoBidReason] ?? d.reason;
    const budget =
      d.reason === "budget_exhausted" || d.reason === "ahead_of_target"
        ? ` (budget ${fmt(d.budgetTotal)}, spent ${fmt(d.budgetSpent)}, reserved ${fmt(d.budgetReserved)})`
        : "";
    return `no bid (${d.reason}): ${why}${budget}${valued ? `; ${basis}${pacing}` : ""}; ${price}`;
  }
  return (
    `${d.source} (${d.reason}): ${basis}${pacing}` +
    (d.shaded ? ", shaded for first price" : "") +
    (d.cappedByBudget ? ", capped by budget" : "") +
    `; bid ${fmt(d.bidCpm)} ${d.currency} CPM, ${price}`
  );
}
