import { createBidder, type Bidder, type BidderOptions, type BidInput, type PredictionInput } from "../../src/bid/index.js";

/** A clock the test moves by hand. */
export interface ManualClock {
  now: () => number;
  set(t: number): void;
  advance(ms: number): void;
}

export function manualClock(start = 0): ManualClock {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}

export const day = 86_400_000;

/** A bidder over one day with a manual clock; no pacing and no shading unless the overrides add them. */
export function testBidder(overrides: Partial<BidderOptions> = {}, clock = manualClock(1000)): { bidder: Bidder; clock: ManualClock } {
  const bidder = createBidder({
    budget: { amount: 1000, periodStart: 0, periodEnd: day },
    now: clock.now,
    pacing: { controller: "none" },
    shading: false,
    riskAdjustment: "none",
    ...overrides,
  });
  return { bidder, clock };
}

export function prediction(fields: Partial<PredictionInput> = {}): PredictionInput {
  return { predictedLtv: 100, confidence: 0.8, ltvLowerBound: 60, ltvUpperBound: 150, status: 0, modelVersion: "t", ...fields };
}

export function input(fields: Partial<BidInput> = {}): BidInput {
  return { prediction: prediction(), conversionRate: 0.01, platform: "meta", auction: { at: 2 }, ...fields };
}
