import { describe, expect, it } from "vitest";
import { toSyncflowBidRequest } from "../../src/bid/index.js";
import { input, prediction, testBidder } from "./bid-fixtures.js";

describe("toSyncflowBidRequest", () => {
  it("maps a bid onto syncflow.v1.BidRequest fields", () => {
    const { bidder } = testBidder({ budget: { amount: 500, periodStart: 0, periodEnd: 1e9 } });
    const first = bidder.bid(input());
    if (first.noBid) throw new Error("expected a bid");
    bidder.recordOutcome({ decisionId: first.decisionId, won: true, priceCpm: 250 });
    const d = bidder.bid(input({ prediction: prediction({ predictedLtv: 90, confidence: 0.7 }) }));
    const m = toSyncflowBidRequest(d, { requestId: "r-1", campaignId: "c-9", platform: "meta" });
    expect(m).toMatchObject({
      bid_amount: 0.01 * 90 * 1000,
      bid_source: "AI_PREDICTION",
      predicted_ltv: 90,
      confidence: 0.7,
      max_budget: 500,
      current_spend: 0.25,
      request_id: "r-1",
      campaign_id: "c-9",
      platform: "meta",
    });
    expect(m.explanation).toContain("ai_prediction");
    expect("customer_id" in m).toBe(false);
  });

  it("maps heuristic bids and no-bids", () => {
    const { bidder } = testBidder({ fallback: { ltv: 50 } });
    const heuristic = toSyncflowBidRequest(bidder.bid(input({ prediction: undefined })));
    expect(heuristic.bid_source).toBe("HEURISTIC_FALLBACK");
    expect(heuristic.bid_amount).toBeGreaterThan(0);
    const none = toSyncflowBidRequest(bidder.bid(input({ prediction: undefined, auction: { at: 2, bidfloor: 300 } })));
    expect(none.bid_amount).toBe(0);
    expect(none.explanation).toContain("below_floor");
  });
});
