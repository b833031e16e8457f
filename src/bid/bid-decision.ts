import type { BidReason, NoBidReason } from "./bid-reason.js";

/** Where a bid's value came from, as `syncflow.v1.BidRequest`'s bid source names it. */
export type BidSource = "AI_PREDICTION" | "HEURISTIC_FALLBACK";

/** The OpenRTB 2.6 auction types the bidder understands: 1 first price, 2 second price plus. */
export type AuctionType = 1 | 2;

/** Fields shared by bids and no-bids. */
export interface BidDecisionBase {
  /** `BidInput.impressionId`, when given. */
  impressionId: string | undefined;
  /** The auction currency the bid (and `floorCpm`) is expressed in. */
  currency: string;
  /** The strategy that valued the impression. */
  strategy: "max_value" | "target_roas" | "target_cpa" | "legacy_ltv_share";
  /** P(conversion | impression) used. */
  conversionRate: number;
  /** Margin used. */
  margin: number;
  /** Platform multiplier used (prior refined by `recordReturn`). */
  platformMultiplier: number;
  /** The LTV after risk adjustment (the prior LTV for heuristic decisions); 0 when none. */
  riskAdjustedLtv: number;
  /** Share of value bid because the value is not from a SUCCESS prediction (`fallback.factor`), else 1. */
  fallbackFactor: number;
  /** Where the value came from; undefined when the decision stopped before valuing the impression. */
  source: BidSource | undefined;
  /** The raw predicted LTV used (or the prior LTV for heuristic decisions); 0 when none. */
  predictedLtv: number;
  /** The prediction's confidence; 0 for heuristic decisions. */
  confidence: number;
  /**
   * Expected value of one impression before the platform multiplier, bidder
   * currency (not CPM): what to sum into `recordReturn`'s `predictedValue`.
   */
  baseValue: number;
  /** Expected value of the impression before strategy and pacing, bidder currency, CPM. */
  valueCpm: number;
  /** Willingness to pay after strategy and pacing, before shading and the floor, bidder currency, CPM. */
  pacedCpm: number;
  /** The pacing multiplier applied (1 = full value). */
  pacingMultiplier: number;
  /** The floor, auction currency, CPM (0 when none). */
  floorCpm: number;
  /** The auction type (1 first price, 2 second price). */
  auctionType: AuctionType;
  /** The budget for the period, bidder currency. */
  budgetTotal: number;
  /** Spend settled so far, bidder currency. */
  budgetSpent: number;
  /** Reserved for pending wins (including this bid), bidder currency. */
  budgetReserved: number;
  /** The clock (`now()`) when the decision was made, ms. */
  decidedAt: number;
}

/** A bid. */
export interface PlacedBid extends BidDecisionBase {
  noBid: false;
  /** Identifies the bid for `recordOutcome`. */
  decisionId: string;
  /** The bid, CPM, in `currency`; never below `floorCpm`. */
  bidCpm: number;
  reason: BidReason;
  source: BidSource;
  /** True when the bid was lowered to what the remaining budget can cover. */
  cappedByBudget: boolean;
  /** True when a first-price bid was shaded below the paced value. */
  shaded: boolean;
}

/** A no-bid, with the reason. */
export interface NoBid extends BidDecisionBase {
  noBid: true;
  decisionId: undefined;
  /** Always 0. */
  bidCpm: 0;
  reason: NoBidReason;
}

/** The result of `bidder.bid(input)`. */
export type BidDecision = PlacedBid | NoBid;
