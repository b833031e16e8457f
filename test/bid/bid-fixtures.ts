import { createBidder, createSeededRandom, type Bidder, type BidderOptions, type BidInput, type PredictionInput } from "../../src/bid/index.js";

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

/** Auctions per second in the cold-start tests' market. */
export const coldStartAuctionsPerSecond = 10;

/**
 * The cold-start tests' second-price market: value CPM log-normal (median
 * 10), competing bid log-normal (median 10), independent; 70% of losses get a
 * notice. Seeded: the same seed gives the same auctions.
 */
export function auctionStream(seed: number): () => { valueCpm: number; competitorCpm: number; lossNotice: boolean } {
  const random = createSeededRandom(seed);
  const normal = (): number => {
    const u = Math.max(1e-12, random.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
  };
  return () => {
    const valueCpm = 10 * Math.exp(normal());
    const competitorCpm = 10 * Math.exp(0.5 * normal());
    return { valueCpm, competitorCpm, lossNotice: random.next() < 0.7 };
  };
}

/** The budget such that winning every auction the full value wins in that market would cost `excess` times it over the day. */
export function budgetFor(excess: number): number {
  const next = auctionStream(999);
  let cost = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const a = next();
    if (a.valueCpm >= a.competitorCpm) cost += a.competitorCpm / 1000;
  }
  return ((cost / n) * coldStartAuctionsPerSecond * (day / 1000)) / excess;
}
