import { describe, expect, it } from "vitest";
import { BidInputError, CompetingBidSlope, WinRateLandscape, createSeededRandom } from "../../src/bid/index.js";
import { input, manualClock, prediction, testBidder } from "./bid-fixtures.js";

function gaussian(seed: number): () => number {
  const random = createSeededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(Math.max(1e-12, random.next()))) * Math.cos(2 * Math.PI * random.next());
}

/** Impressions worth 10 CPM x e^N(0,1); the competing bid is 0.6 x value x e^N(0, 0.3): elasticity 1. */
function market(seed: number): () => { valueCpm: number; competitorCpm: number; shade: number } {
  const normal = gaussian(seed);
  const random = createSeededRandom(seed + 1);
  return () => {
    const valueCpm = 10 * Math.exp(normal());
    return { valueCpm, competitorCpm: 0.6 * valueCpm * Math.exp(0.3 * normal()), shade: 0.3 + 0.7 * random.next() };
  };
}

describe("value-linked shading", () => {
  it("learns how the competing bid rises with value from censored outcomes alone", () => {
    const slope = new CompetingBidSlope(2000, 20);
    const next = market(11);
    for (let i = 0; i < 4000; i++) {
      const a = next();
      const bid = a.valueCpm * a.shade;
      // Only wins and losses, never the price: every observation is censored.
      slope.observe(a.valueCpm, a.competitorCpm <= bid ? "at_most" : "above", bid);
    }
    // Measured: slope 0.95. The spread (0.95 against a true 0.3) is only the E-step's: with every
    // price censored, one online EM pass keeps much of its first guess; the curve's shape is the histogram's.
    expect(slope.slope()).toBeGreaterThan(0.85);
    expect(slope.slope()).toBeLessThan(1.15);
    // A price of an impression worth 4 times more is read 4^-1 times lower on the pooled scale.
    expect(slope.scaleOf(40) / slope.scaleOf(10)).toBeGreaterThan(0.2);
    expect(slope.scaleOf(40) / slope.scaleOf(10)).toBeLessThan(0.32);
  });

  it("bids each impression what its market asks, from win and loss notices without prices", () => {
    // One pooled curve, without and with the value link: outcomes carry no minimum bid to win.
    const play = (valueLinked: boolean): { bidFor100: number; bidFor3: number; surplus: number } => {
      const { bidder } = testBidder({ shading: { segments: false, valueLinked, minObservations: 30 } });
      const next = market(5);
      let surplus = 0;
      for (let i = 0; i < 6000; i++) {
        const a = next();
        const d = bidder.bid(input({ prediction: prediction({ predictedLtv: a.valueCpm }), conversionRate: 0.001, auction: { at: 1 } }));
        if (d.noBid) continue;
        const won = d.bidCpm >= a.competitorCpm;
        if (won && i >= 3000) surplus += (a.valueCpm - d.bidCpm) / 1000;
        bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? d.bidCpm : undefined });
      }
      const probe = (ltv: number): number =>
        bidder.bid(input({ prediction: prediction({ predictedLtv: ltv }), conversionRate: 0.001, auction: { at: 1 } })).bidCpm;
      return { bidFor100: probe(100), bidFor3: probe(3), surplus };
    };
    const pooled = play(false);
    const linked = play(true);
    // Competing bids for a value of 100 are around 60 (+-30%), for 3 around 1.8: the linked model bids
    // into each range; the pooled curve bids about the same low price for the valuable one.
    expect(linked.bidFor100).toBeGreaterThan(50);
    expect(linked.bidFor100).toBeLessThan(100);
    expect(linked.bidFor3).toBeLessThan(3);
    expect(linked.bidFor3).toBeGreaterThan(1.4);
    expect(pooled.bidFor100).toBeLessThan(40);
    expect(linked.surplus).toBeGreaterThan(1.5 * pooled.surplus);
  });

  it("reads prices unscaled, as the pooled curve, while outcomes are few", () => {
    const plain = new WinRateLandscape({ segments: false, valueLinked: false });
    const linked = new WinRateLandscape({ segments: false });
    const next = market(3);
    // Five strongly value-linked exact prices: too few to believe a slope against the prior of 20.
    for (let i = 0; i < 5; i++) {
      const a = next();
      plain.observe(undefined, true, a.valueCpm, a.competitorCpm, 0, a.valueCpm);
      linked.observe(undefined, true, a.valueCpm, a.competitorCpm, 0, a.valueCpm);
    }
    expect(Math.abs(linked.slope())).toBeLessThan(0.3);
    expect(plain.slope()).toBe(0);
    for (const value of [3, 10, 40]) {
      const a = linked.bestBid(value, 0, undefined, value)!;
      const b = plain.bestBid(value, 0, undefined, value)!;
      expect(Math.abs(Math.log(a / b))).toBeLessThan(0.35);
    }
    // Many more: the slope is learned.
    for (let i = 0; i < 2000; i++) {
      const a = next();
      linked.observe(undefined, true, a.valueCpm, a.competitorCpm, 0, a.valueCpm);
    }
    expect(linked.slope()).toBeGreaterThan(0.85);
  });

  it("round-trips its state and validates it", () => {
    const clock = manualClock(1000);
    const options = { shading: { minObservations: 10 } };
    const { bidder: a } = testBidder(options, clock);
    const next = market(8);
    const offer = (): Parameters<typeof a.bid>[0] => {
      const m = next();
      return input({ prediction: prediction({ predictedLtv: m.valueCpm }), conversionRate: 0.001, auction: { at: 1 } });
    };
    for (let i = 0; i < 300; i++) {
      const d = a.bid(offer());
      if (!d.noBid) a.recordOutcome({ decisionId: d.decisionId, won: i % 3 === 0, minBidToWinCpm: 2 + (i % 7) });
    }
    const state = JSON.parse(JSON.stringify(a.toJSON()));
    expect(state.winRateSlope.version).toBe(1);
    expect(state.winRateSlope.sums[0]).toBeGreaterThan(100);
    const { bidder: b } = testBidder({ ...options, state }, manualClock(clock.now()));
    for (let i = 0; i < 20; i++) {
      const x = offer();
      expect(b.bid(x).bidCpm).toBe(a.bid(x).bidCpm);
    }
    expect(b.toJSON().winRateSlope).toEqual(a.toJSON().winRateSlope);
    const restored = new CompetingBidSlope(2000, 20, state.winRateSlope);
    expect(restored.toJSON()).toEqual(state.winRateSlope);

    const bad = (f: () => unknown, field: string): void => {
      try {
        f();
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(BidInputError);
        expect((err as BidInputError).field).toBe(field);
        expect((err as BidInputError).code).toBe("invalid_argument");
      }
    };
    bad(() => testBidder({ ...options, state: { ...state, winRateSlope: { ...state.winRateSlope, version: 2 } } }), "state.winRateSlope.version");
    bad(() => testBidder({ ...options, state: { ...state, winRateSlope: { version: 1, sums: [1, 2] } } }), "state.winRateSlope.sums");
    bad(() => testBidder({ shading: { valueLinked: "yes" as unknown as boolean } }), "shading.valueLinked");
    bad(() => testBidder({ shading: { slopePriorWeight: -1 } }), "shading.slopePriorWeight");
  });
});
