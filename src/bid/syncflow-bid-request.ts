import type { BidDecision, BidSource } from "./bid-decision.js";
import { explainDecision } from "./explain-decision.js";

/**
 * The fields of `syncflow.v1.BidRequest` a decision fills, as a plain object
 * with the proto's snake_case field names. This module does not have the
 * syncflow proto (and no runtime dependency to encode it): build the message
 * from this object with your generated code, e.g.
 * `create(BidRequestSchema, { bidAmount: m.bid_amount, ... })`, or send it
 * as proto3 JSON.
 */
export interface SyncflowBidRequestFields {
  /** The bid, CPM, in the decision's currency; 0 for a no-bid. */
  bid_amount: number;
  /** AI_PREDICTION or HEURISTIC_FALLBACK (a no-bid without a valuation maps to HEURISTIC_FALLBACK). */
  bid_source: BidSource;
  predicted_ltv: number;
  confidence: number;
  /** The period's budget. */
  max_budget: number;
  /** Settled spend so far. */
  current_spend: number;
  /** The decision's reason and arithmetic (`explainDecision`). */
  explanation: string;
  /** The decision's impression id (`BidInput.impressionId`), or the context's; present when either is given. */
  impression_id?: string;
  /** Present when given in the context. */
  request_id?: string;
  customer_id?: string;
  campaign_id?: string;
  platform?: string;
}

/** Optional identifiers copied into the mapping. */
export interface SyncflowBidContext {
  /** Overrides the decision's `impressionId`. */
  impressionId?: string;
  requestId?: string;
  customerId?: string;
  campaignId?: string;
  platform?: string;
}

/** Maps a decision onto the fields of `syncflow.v1.BidRequest`. */
export function toSyncflowBidRequest(decision: BidDecision, context: SyncflowBidContext = {}): SyncflowBidRequestFields {
  const out: SyncflowBidRequestFields = {
    bid_amount: decision.noBid ? 0 : decision.bidCpm,
    bid_source: decision.source ?? "HEURISTIC_FALLBACK",
    predicted_ltv: decision.predictedLtv,
    confidence: decision.confidence,
    max_budget: decision.budgetTotal,
    current_spend: decision.budgetSpent,
    explanation: `[${decision.reason}] ${explainDecision(decision)}`,
  };
  const impressionId = context.impressionId ?? decision.impressionId;
  if (impressionId !== undefined) out.impression_id = impressionId;
  if (context.requestId !== undefined) out.request_id = context.requestId;
  if (context.customerId !== undefined) out.customer_id = context.customerId;
  if (context.campaignId !== undefined) out.campaign_id = context.campaignId;
  if (context.platform !== undefined) out.platform = context.platform;
  return out;
}
