import type { BidderOptions } from "../../src/bid/index.js";
import { generateAuctionDay, market, type AuctionEvent } from "./auction-generator.js";
import { scenarios } from "./auction-scenarios.js";
import { baselines } from "./bidder-baselines.js";
import {
  hindsightMultiplier,
  hindsightMultiplierTrueLandscape,
  hindsightMultiplierUnshaded,
  hindsightOptimum,
  type HindsightValue,
} from "./hindsight-optimum.js";
import { fitOwnValueLandscape, type OwnValueLandscape } from "./own-value-landscape.js";
import { simulateDay } from "./simulate-day.js";
import { quantile } from "./summary-statistics.js";

/** The default budget: a quarter of the cost of every impression worth its price on the stationary day. */
export const defaultBudgetShare = 0.25;

/** The metrics of one baseline on one (scenario, seed) day. */
export interface RunMetrics {
  value: number;
  /** Value won in first-price auctions. */
  firstPriceValue: number;
  /** value / the fractional-knapsack optimum. */
  vsOptimum: number;
  /** value / the hindsight-multiplier reference. */
  vsReference: number;
  conversions: number;
  expectedConversions: number;
  spend: number;
  utilisation: number;
  overspend: number;
  pacingError: number;
  roi: number;
  ecpa: number;
  regret: number;
  p50Micros: number;
  p99Micros: number;
  wins: number;
  spendShareCurve: number[];
  reasons: Record<string, number>;
}

/** One (scenario, seed): every baseline's metrics, and the day's facts. */
export interface UnitResult {
  scenario: string;
  seed: number;
  auctions: number;
  budget: number;
  optimum: number;
  /** The fractional-knapsack optimum, by auction type. */
  optimumDetail: HindsightValue;
  /** The hindsight-multiplier reference (own estimates, best multiplier, perfect shading). */
  reference: HindsightValue;
  /** The same reference's value ranking by the true LTV (with the bidder's conversion estimate). */
  referenceTrueLtv: number;
  /** The same reference's value ranking by the true value (auctions with a usable prediction only). */
  referenceTrueValue: number;
  /** The reference without shading: a first-price win costs its bid. */
  referenceUnshaded: number;
  /** The reference shading against the true landscape: a first-price win costs its shaded bid. */
  referenceTrueLandscape: number;
  runs: Record<string, RunMetrics>;
}

/**
 * The own-value-landscape reference's landscape for a day: the bidder (unshaded, `options`) runs
 * it once and the fit takes every first-price auction it valued, with the true competing bid.
 */
function ownValueLandscapeOf(events: readonly AuctionEvent[], budget: number, options: Partial<BidderOptions>, startAt: number): OwnValueLandscape {
  const points: Array<[number, number]> = [];
  simulateDay(events, budget, options, startAt, undefined, (valueCpm, e) => {
    points.push([Math.log(valueCpm), Math.log(e.competitorCpm * (e.currency === "EUR" ? market.eurRate : 1))]);
  });
  return fitOwnValueLandscape(points);
}

/**
 * Generates the day of one scenario and seed and runs every baseline on it.
 * The budget comes from the stationary day of the same seed, so a scenario
 * that changes prices or supply changes what the same budget buys.
 */
export function runUnit(scenarioId: string, seed: number, auctionsPerDay: number): UnitResult {
  const scenario = scenarios.find((s) => s.id === scenarioId);
  if (!scenario) throw new Error(`unknown scenario ${scenarioId}`);
  const stationary = scenarios[0]!;
  const day = generateAuctionDay(seed, scenario, auctionsPerDay);
  const reference = scenario === stationary ? day : generateAuctionDay(seed, stationary, auctionsPerDay);
  const budget = (scenario.budgetShare ?? defaultBudgetShare) * reference.worthwhileCost;
  const startAt = (scenario.startHour ?? 0) * 3_600_000;
  const offered = startAt > 0 ? day.events.filter((e) => e.time >= startAt) : day.events;
  const optimumDetail = hindsightOptimum(offered, budget);
  const optimum = optimumDetail.value;
  const hindsight = hindsightMultiplier(offered, budget);
  const referenceTrueLtv = hindsightMultiplier(offered, budget, "true_ltv").value;
  const referenceTrueValue = hindsightMultiplier(offered, budget, "true_value").value;
  const referenceUnshaded = hindsightMultiplierUnshaded(offered, budget);
  const referenceTrueLandscape = hindsightMultiplierTrueLandscape(offered, budget);
  const runs: Record<string, RunMetrics> = {};
  let yesterday: ReturnType<typeof generateAuctionDay> | undefined;
  let yesterdayAlike: ReturnType<typeof generateAuctionDay> | undefined;
  for (const baseline of baselines) {
    let options = baseline.options;
    const before =
      baseline.warmStart === "alike"
        ? (yesterdayAlike ??= generateAuctionDay(seed + 100_000, scenario, auctionsPerDay))
        : baseline.warmStart === true && scenario.coldStart !== true
          ? (yesterday ??= generateAuctionDay(seed + 100_000, stationary, auctionsPerDay))
          : undefined;
    if (before !== undefined) {
      const rule = baseline.firstPrice === "own_value_landscape" ? ownValueLandscapeOf(before.events, budget, options, 0) : baseline.firstPrice;
      const warmUp = simulateDay(before.events, budget, options, 0, rule);
      options = { ...options, warmStart: warmUp.finalState };
    }
    const rule = baseline.firstPrice === "own_value_landscape" ? ownValueLandscapeOf(day.events, budget, options, startAt) : baseline.firstPrice;
    const r = simulateDay(day.events, budget, options, startAt, rule);
    runs[baseline.id] = {
      value: r.value,
      firstPriceValue: r.firstPriceValue,
      vsOptimum: optimum > 0 ? r.value / optimum : 0,
      vsReference: hindsight.value > 0 ? r.value / hindsight.value : 0,
      conversions: r.conversions,
      expectedConversions: r.expectedConversions,
      spend: r.spend,
      utilisation: r.spend / budget,
      overspend: r.overspend,
      pacingError: r.pacingError,
      roi: r.spend > 0 ? r.value / r.spend : 0,
      ecpa: r.expectedConversions > 0 ? r.spend / r.expectedConversions : 0,
      regret: optimum > 0 ? 1 - r.value / optimum : 0,
      p50Micros: quantile(r.decisionMicros, 0.5),
      p99Micros: quantile(r.decisionMicros, 0.99),
      wins: r.wins,
      spendShareCurve: r.spendCurve.map((s) => s / budget),
      reasons: r.reasons,
    };
  }
  return {
    scenario: scenarioId,
    seed,
    auctions: offered.length,
    budget,
    optimum,
    optimumDetail,
    reference: hindsight,
    referenceTrueLtv,
    referenceTrueValue,
    referenceUnshaded,
    referenceTrueLandscape,
    runs,
  };
}
