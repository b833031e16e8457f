import type { AuctionType, BidSource } from "./bid-decision.js";
import type { BidReason, NoBidReason } from "./bid-reason.js";

/**
 * The object behind every {@link BidDecision}: plain fields. Its account in
 * words is `explainDecision` (`explain-decision.ts`), an import of its own:
 * formatting numbers costs more than the rest of a decision, most decisions
 * are never read by a human, and an edge function that does not explain its
 * decisions does not ship the text.
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
}
