import { generateAuctionDay } from "../auction/auction-generator.js";
import { scenarios } from "../auction/auction-scenarios.js";
import { baselines } from "../auction/bidder-baselines.js";
import { defaultBudgetShare } from "../auction/simulation-unit.js";
import { simulateDay } from "../auction/simulate-day.js";
import { quantileSorted } from "./quantiles.js";

export interface BidDecisionResult {
  auctions: number;
  bidder: string;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/**
 * Bid decision time: the default bidder (dual pacing, first-price shading)
 * over one generated stationary day of the auction simulation
 * (`bench/auction/`), timing every `bid()` call; a second day is run first so
 * the figures are of warm code.
 */
export function runBidDecisionSection(auctionsPerDay: number): BidDecisionResult {
  const stationary = scenarios[0]!;
  const baseline = baselines.find((b) => b.id === "default")!;
  let last: Float64Array = new Float64Array(0);
  for (const seed of [2, 1]) {
    const day = generateAuctionDay(seed, stationary, auctionsPerDay);
    last = simulateDay(day.events, defaultBudgetShare * day.worthwhileCost, baseline.options).decisionMicros;
  }
  const sorted = Float64Array.from(last).sort();
  return {
    auctions: sorted.length,
    bidder: baseline.id,
    p50Us: quantileSorted(sorted, 0.5),
    p99Us: quantileSorted(sorted, 0.99),
    maxUs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
