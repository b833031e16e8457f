import { describe, expect, it } from "vitest";
import { impressionValue, platformMultiplierPreset, riskAdjustedLtv, toCpm } from "../../src/bid/index.js";
import { input, prediction, testBidder } from "./bid-fixtures.js";

describe("unit-correct value", () => {
  it("values an impression as P(conversion) x LTV x margin, and bids it as CPM (x1000)", () => {
    // 2% conversion, LTV 50, margin 0.4: one impression is worth 0.02 * 50 * 0.4 = 0.4, a CPM of 400.
    expect(impressionValue(0.02, 50, 0.4, 1)).toBeCloseTo(0.4, 12);
    expect(toCpm(0.4)).toBeCloseTo(400, 9);
    const { bidder } = testBidder({ margin: 0.4 });
    const d = bidder.bid(input({ prediction: prediction({ predictedLtv: 50 }), conversionRate: 0.02 }));
    expect(d.noBid).toBe(false);
    expect(d.bidCpm).toBeCloseTo(0.02 * 50 * 0.4 * 1000, 9);
    expect(d.baseValue).toBeCloseTo(0.02 * 50 * 0.4, 12);
  });

  it("applies the per-bid margin override and the platform multiplier", () => {
    const { bidder } = testBidder({ platformMultipliers: platformMultiplierPreset });
    const d = bidder.bid(input({ prediction: prediction({ predictedLtv: 80 }), conversionRate: 0.005, platform: "tiktok", margin: 0.5 }));
    expect(d.bidCpm).toBeCloseTo(0.005 * 80 * 0.5 * 1.5 * 1000, 9);
    const x = bidder.bid(input({ prediction: prediction({ predictedLtv: 80 }), conversionRate: 0.005, platform: "x", margin: 0.5 }));
    expect(x.bidCpm).toBeCloseTo(0.005 * 80 * 0.5 * 0.75 * 1000, 9);
    const unknown = bidder.bid(input({ prediction: prediction({ predictedLtv: 80 }), conversionRate: 0.005, platform: "other", margin: 0.5 }));
    expect(unknown.bidCpm).toBeCloseTo(0.005 * 80 * 0.5 * 1000, 9);
  });

  it("defaults every platform multiplier to 1.0", () => {
    const { bidder } = testBidder();
    for (const platform of Object.keys(platformMultiplierPreset)) expect(bidder.platformMultiplier(platform)).toBe(1);
  });

  it("learns a platform multiplier from realised return, shrunk towards the prior", () => {
    const { bidder } = testBidder({ platformMultipliers: { tiktok: 1.5 }, calibrationPriorWeight: 100 });
    bidder.recordReturn({ platform: "tiktok", predictedValue: 300, realisedValue: 150 });
    // w = 300 / (300 + 100) = 0.75; 0.75 * (150/300) + 0.25 * 1.5 = 0.75
    expect(bidder.platformMultiplier("tiktok")).toBeCloseTo(0.75 * 0.5 + 0.25 * 1.5, 12);
  });

  it("implements target ROAS, target CPA and the legacy 30% rule", () => {
    const p = 0.01;
    const ltv = 120;
    const roas = testBidder({ strategy: { kind: "target_roas", targetRoas: 4 } }).bidder;
    expect(roas.bid(input({ prediction: prediction({ predictedLtv: ltv }), conversionRate: p })).bidCpm).toBeCloseTo((p * ltv * 1000) / 4, 9);
    const cpa = testBidder({ strategy: { kind: "target_cpa", targetCpa: 25 } }).bidder;
    expect(cpa.bid(input({ prediction: prediction({ predictedLtv: ltv }), conversionRate: p })).bidCpm).toBeCloseTo(p * 25 * 1000, 9);
    const legacy = testBidder({ strategy: { kind: "legacy_ltv_share" } }).bidder;
    const d = legacy.bid(input({ prediction: prediction({ predictedLtv: ltv }), conversionRate: p }));
    expect(d.bidCpm).toBeCloseTo(0.3 * ltv, 9);
    expect(d.strategy).toBe("legacy_ltv_share");
  });
});

describe("risk adjustment", () => {
  it("moves from the lower bound to the point estimate with confidence, never above the upper bound", () => {
    const p = { predictedLtv: 100, ltvLowerBound: 40, ltvUpperBound: 180 };
    expect(riskAdjustedLtv({ ...p, confidence: 0 }, "confidence_bounds")).toBeCloseTo(40, 12);
    expect(riskAdjustedLtv({ ...p, confidence: 1 }, "confidence_bounds")).toBeCloseTo(100, 12);
    expect(riskAdjustedLtv({ ...p, confidence: 0.25 }, "confidence_bounds")).toBeCloseTo(40 + 0.25 * 60, 12);
    expect(riskAdjustedLtv({ ...p, confidence: 0.25 }, "none")).toBe(100);
    // Bounds that do not contain the point (or proto3's 0/0 default) fall back to confidence x point.
    expect(riskAdjustedLtv({ predictedLtv: 100, confidence: 0.5, ltvLowerBound: 0, ltvUpperBound: 0 }, "confidence_bounds")).toBeCloseTo(50, 12);
    expect(riskAdjustedLtv({ predictedLtv: 100, confidence: 0.5 }, "confidence_bounds")).toBeCloseTo(50, 12);
    for (let c = 0; c <= 1; c += 0.125) {
      const v = riskAdjustedLtv({ predictedLtv: 90, ltvLowerBound: 85, ltvUpperBound: 91, confidence: c }, "confidence_bounds");
      expect(v).toBeLessThanOrEqual(91);
      expect(v).toBeGreaterThanOrEqual(85);
    }
  });

  it("is the default, and bids the risk-adjusted value", () => {
    const { bidder } = testBidder({ riskAdjustment: undefined });
    const d = bidder.bid(input({ prediction: prediction({ predictedLtv: 100, confidence: 0.5, ltvLowerBound: 60, ltvUpperBound: 150 }), conversionRate: 0.01 }));
    expect(d.riskAdjustedLtv).toBeCloseTo(80, 12);
    expect(d.bidCpm).toBeCloseTo(0.01 * 80 * 1000, 9);
  });
});
