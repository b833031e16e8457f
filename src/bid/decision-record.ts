import type { AuctionType, BidSource } from "./bid-decision.js";
import type { BidReason, NoBidReason } from "./bid-reason.js";

/**
 * The object behind every {@link BidDecision}: plain fields, and an
 * `explanation` getter that formats them only when read. Formatting numbers
 * costs more than the rest of a decision, and most decisions are never read
 * by a human.
 */
export class DecisionRecord {
  noBid = false;
  decisionId: string | undefined = undefined;
  impressionId: string | undefined = undefined;
  bidCpm = 0;
  reason: BidReason | NoBidReason = "zero_value";
  currency = "";
  source: BidSource | undefined = undefined;
  strategy: "max_value" | "target_roas" | "target_cpa" | "legacy_ltv_share" = "max_value";
  predictedLtv = 0;
  confidence = 0;
  conversionRate = 0;
  margin = 1;
  platformMultiplier = 1;
  riskAdjustedLtv = 0;
  fallbackFactor = 1;
  baseValue = 0;
  valueCpm = 0;
  pacedCpm = 0;
  pacingMultiplier = 1;
  floorCpm = 0;
  auctionType: AuctionType = 2;
  budgetTotal = 0;
  budgetSpent = 0;
  budgetReserved = 0;
  decidedAt = 0;
  cappedByBudget = false;
  shaded = false;

  get explanation(): string {
    return explainDecision(this);
  }

  /** Plain object with the explanation, for logs. */
  toJSON(): Record<string, unknown> {
    const plain: Record<string, unknown> = { ...(this as object) };
    plain["explanation"] = this.explanation;
    return plain;
  }
}

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

/** The human-readable account of a decision, from its fields. */
export function explainDecision(d: DecisionRecord): string {
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
