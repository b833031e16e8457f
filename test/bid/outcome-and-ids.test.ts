import { describe, expect, it } from "vitest";
import { BidInputError, toSyncflowBidRequest } from "../../src/bid/index.js";
import { input, testBidder } from "./bid-fixtures.js";

describe("second-price outcomes", () => {
  it("rejects a second-price win without a price, before changing anything", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input({ auction: { at: 2 } }));
    if (d.noBid) throw new Error("expected a bid");
    const before = JSON.stringify(bidder.toJSON());
    let error: unknown;
    try {
      bidder.recordOutcome({ decisionId: d.decisionId, won: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BidInputError);
    expect((error as BidInputError).field).toBe("priceCpm");
    expect(JSON.stringify(bidder.toJSON())).toBe(before);
    // Nothing was booked at the full bid (1000 CPM = 1.00).
    expect(bidder.snapshot().spent).toBe(0);
  });

  it("books a second-price win at the minimum bid to win when no price is given", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input({ auction: { at: 2 } }));
    if (d.noBid) throw new Error("expected a bid");
    expect(d.bidCpm).toBeCloseTo(1000, 9);
    const r = bidder.recordOutcome({ decisionId: d.decisionId, won: true, minBidToWinCpm: 240 });
    expect(r).toMatchObject({ applied: true, reason: "win_settled" });
    expect(r.spend).toBeCloseTo(0.24, 12);
    // priceCpm, when given, is what the exchange billed and wins over it.
    const e = bidder.bid(input({ auction: { at: 2 } }));
    if (e.noBid) throw new Error("expected a bid");
    expect(bidder.recordOutcome({ decisionId: e.decisionId, won: true, priceCpm: 300, minBidToWinCpm: 240 }).spend).toBeCloseTo(0.3, 12);
  });

  it("still books a first-price win without a price at the bid, and a loss without one", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input({ auction: { at: 1 } }));
    if (d.noBid) throw new Error("expected a bid");
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: true }).spend).toBeCloseTo(d.bidCpm / 1000, 12);
    const l = bidder.bid(input({ auction: { at: 2 } }));
    if (l.noBid) throw new Error("expected a bid");
    expect(bidder.recordOutcome({ decisionId: l.decisionId, won: false })).toMatchObject({ applied: true, spend: 0 });
  });
});

describe("impression ids", () => {
  it("carries the impression id on the decision and into the syncflow request", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input({ impressionId: "imp-42" }));
    expect(d.impressionId).toBe("imp-42");
    expect(toSyncflowBidRequest(d).impression_id).toBe("imp-42");
    expect(toSyncflowBidRequest(d, { impressionId: "other" }).impression_id).toBe("other");
    const none = bidder.bid(input({ impressionId: "imp-43", auction: { at: 2, bidfloor: 1e9 } }));
    expect(none.noBid && none.impressionId).toBe("imp-43");
    const without = bidder.bid(input());
    expect(without.impressionId).toBeUndefined();
    expect("impression_id" in toSyncflowBidRequest(without)).toBe(false);
  });

  it("rejects an impression id that is not a non-empty string", () => {
    const { bidder } = testBidder();
    expect(() => bidder.bid(input({ impressionId: "" }))).toThrow(/impressionId/);
    expect(() => bidder.bid(input({ impressionId: 7 as never }))).toThrow(/impressionId/);
  });
});
