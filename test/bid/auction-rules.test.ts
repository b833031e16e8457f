import { describe, expect, it } from "vitest";
import { decisionDeadline, explainDecision, throttlingPacing, type NoBidReason } from "../../src/bid/index.js";
import { day, input, prediction, testBidder } from "./bid-fixtures.js";

const noBidReasons: readonly NoBidReason[] = [
  "outside_period",
  "deadline_exceeded",
  "currency_unsupported",
  "no_prediction",
  "late_prediction",
  "prediction_failed",
  "zero_value",
  "throttled",
  "below_floor",
  "budget_exhausted",
  "ahead_of_target",
];

describe("floors", () => {
  it("never bids below the floor, and says so", () => {
    const { bidder } = testBidder();
    // Value CPM = 0.01 * 100 * 1000 = 1000.
    const above = bidder.bid(input({ auction: { at: 2, bidfloor: 999 } }));
    expect(above.noBid).toBe(false);
    expect(above.bidCpm).toBeGreaterThanOrEqual(999);
    const below = bidder.bid(input({ auction: { at: 2, bidfloor: 1001 } }));
    expect(below.noBid).toBe(true);
    expect(below.reason).toBe("below_floor");
    expect(below.bidCpm).toBe(0);
  });

  it("keeps shaded first-price bids at or above the floor", () => {
    const { bidder } = testBidder({ shading: { minObservations: 5 } });
    // Teach it that the market clears at 2 CPM, so shading wants ~2, then put the floor at 50.
    for (let i = 0; i < 50; i++) {
      const d = bidder.bid(input({ auction: { at: 1 } }));
      if (!d.noBid) bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: d.bidCpm, minBidToWinCpm: 2 });
    }
    const free = bidder.bid(input({ auction: { at: 1 } }));
    expect(free.noBid).toBe(false);
    expect(free.bidCpm).toBeLessThan(10);
    const floored = bidder.bid(input({ auction: { at: 1, bidfloor: 50 } }));
    expect(floored.noBid).toBe(false);
    expect(floored.bidCpm).toBeGreaterThanOrEqual(50);
  });
});

describe("currency", () => {
  it("does not guess exchange rates", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input({ auction: { at: 2, bidfloor: 1, bidfloorcur: "EUR" } }));
    expect(d.noBid).toBe(true);
    expect(d.reason).toBe("currency_unsupported");
  });

  it("converts with configured rates and bids in the floor's currency", () => {
    const { bidder } = testBidder({ currencyRates: { EUR: 1.25 } });
    // Value 1000 USD CPM = 800 EUR CPM.
    const d = bidder.bid(input({ auction: { at: 2, bidfloor: 700, bidfloorcur: "EUR" } }));
    expect(d.noBid).toBe(false);
    expect(d.currency).toBe("EUR");
    expect(d.bidCpm).toBeCloseTo(1000 / 1.25, 9);
    const below = bidder.bid(input({ auction: { at: 2, bidfloor: 801, bidfloorcur: "EUR" } }));
    expect(below.reason).toBe("below_floor");
    // A win costs its price converted into the budget currency.
    if (d.noBid) throw new Error("unreachable");
    const r = bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 720 });
    expect(r.spend).toBeCloseTo((720 / 1000) * 1.25, 12);
    expect(bidder.snapshot().spent).toBeCloseTo(0.9, 12);
  });
});

describe("FALLBACK and missing predictions", () => {
  it("bids a FALLBACK prediction conservatively, as HEURISTIC_FALLBACK", () => {
    const { bidder } = testBidder({ fallback: { factor: 0.5 } });
    const ok = bidder.bid(input());
    const fb = bidder.bid(input({ prediction: prediction({ status: 5 }) }));
    const byName = bidder.bid(input({ prediction: prediction({ status: "FALLBACK" }) }));
    expect(ok.source).toBe("AI_PREDICTION");
    expect(fb.source).toBe("HEURISTIC_FALLBACK");
    expect(fb.reason).toBe("fallback_prediction");
    expect(fb.bidCpm).toBeCloseTo(ok.bidCpm * 0.5, 9);
    expect(byName.bidCpm).toBeCloseTo(fb.bidCpm, 12);
  });

  it("falls back to the learned prior LTV, conservatively, when the prediction is missing or failed", () => {
    const { bidder } = testBidder({ fallback: { factor: 0.5 } });
    const none = bidder.bid(input({ prediction: undefined }));
    expect(none.noBid).toBe(true);
    expect(none.reason).toBe("no_prediction");
    bidder.bid(input({ prediction: prediction({ predictedLtv: 200 }) })); // the prior is now 200
    const heuristic = bidder.bid(input({ prediction: undefined, conversionRate: 0.01 }));
    expect(heuristic.reason).toBe("heuristic_no_prediction");
    expect(heuristic.source).toBe("HEURISTIC_FALLBACK");
    expect(heuristic.bidCpm).toBeCloseTo(0.01 * 200 * 1000 * 0.5, 9);
    const failed = bidder.bid(input({ prediction: prediction({ status: "MODEL_ERROR", predictedLtv: 0, confidence: 0 }) }));
    expect(failed.reason).toBe("heuristic_failed_prediction");
    expect(failed.bidCpm).toBeCloseTo(heuristic.bidCpm, 9);
  });

  it("uses a fixed prior LTV when given", () => {
    const { bidder } = testBidder({ fallback: { ltv: 40, factor: 0.25 } });
    const d = bidder.bid(input({ prediction: undefined, conversionRate: 0.02 }));
    expect(d.bidCpm).toBeCloseTo(0.02 * 40 * 1000 * 0.25, 9);
  });
});

describe("tmax deadline", () => {
  it("computes the decision deadline as startedAt + tmax - network margin", () => {
    expect(decisionDeadline(1000, 100, 20)).toBe(1080);
    expect(decisionDeadline(1000, undefined, 20)).toBe(Number.POSITIVE_INFINITY);
    const { bidder } = testBidder({ networkMarginMs: 15 });
    expect(bidder.decisionDeadline({ at: 1, tmax: 120, startedAt: 500 })).toBe(605);
  });

  it("ignores a prediction that arrived after the deadline and decides without it", () => {
    const { bidder, clock } = testBidder({ networkMarginMs: 20, fallback: { ltv: 10, factor: 0.5 } });
    clock.set(5000);
    const auction = { at: 2, tmax: 100, startedAt: 4950 }; // deadline 5030
    const inTime = bidder.bid(input({ auction, predictionReceivedAt: 5030 }));
    expect(inTime.reason).toBe("ai_prediction");
    const late = bidder.bid(input({ auction, predictionReceivedAt: 5031 }));
    expect(late.reason).toBe("heuristic_late_prediction");
    expect(late.bidCpm).toBeCloseTo(0.01 * 10 * 1000 * 0.5, 9);
  });

  it("does not bid once tmax has passed", () => {
    const { bidder, clock } = testBidder();
    clock.set(5000);
    const d = bidder.bid(input({ auction: { at: 2, tmax: 100, startedAt: 4899 } }));
    expect(d.noBid).toBe(true);
    expect(d.reason).toBe("deadline_exceeded");
  });
});

describe("reasons", () => {
  it("gives every decision a reason and every no-bid a documented one with an explanation", () => {
    const { bidder, clock } = testBidder({ budget: { amount: 0.5, periodStart: 0, periodEnd: 10_000 } });
    const throttler = testBidder({ pacing: { controller: throttlingPacing, throttle: { initialProbability: 0.5 } } }).bidder;
    // A new paced bidder may not run ahead of its target by more than 2% of its budget: a 1000 CPM bid
    // (1.00) on a budget of 10 is refused at its first second.
    const paced = testBidder({ budget: { amount: 10, periodStart: 0, periodEnd: day }, pacing: { controller: "dual" } }).bidder;
    const seen = new Set<string>();
    const cases = [
      () => bidder.bid(input()),
      () => throttler.bid(input()),
      () => testBidder().bidder.bid(input({ conversionRate: 0 })),
      () => bidder.bid(input({ auction: { at: 2, bidfloor: 1e9 } })),
      () => testBidder().bidder.bid(input({ auction: { at: 2, bidfloor: 1001 } })),
      () => bidder.bid(input({ auction: { at: 2, bidfloorcur: "JPY" } })),
      () => bidder.bid(input({ auction: { at: 1, tmax: 10, startedAt: clock.now() - 11 } })),
      () => testBidder().bidder.bid(input({ prediction: undefined })),
      () => testBidder().bidder.bid(input({ prediction: prediction({ status: 4 }) })),
      () => testBidder().bidder.bid(input({ auction: { at: 2, tmax: 50, startedAt: 1000 }, predictionReceivedAt: 2000 })),
      () => paced.bid(input()),
    ];
    for (let round = 0; round < 20; round++) {
      for (const c of cases) {
        const d = c();
        expect(typeof d.reason).toBe("string");
        const explanation = explainDecision(d);
        expect(explanation.length).toBeGreaterThan(10);
        if (d.noBid) {
          expect(noBidReasons).toContain(d.reason);
          expect(d.bidCpm).toBe(0);
          expect(d.decisionId).toBeUndefined();
          expect(explanation).toContain(d.reason);
        } else {
          bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: d.bidCpm });
        }
        seen.add(d.reason);
      }
    }
    clock.set(20_000);
    const late = bidder.bid(input());
    expect(late.reason).toBe("outside_period");
    seen.add(late.reason);
    // The cases above reach every no-bid reason.
    for (const r of noBidReasons) expect(seen).toContain(r);
  });
});
