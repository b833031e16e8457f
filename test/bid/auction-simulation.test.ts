import { describe, expect, it } from "vitest";
import { generateAuctionDay, market } from "../../bench/auction/auction-generator.js";
import { scenarios } from "../../bench/auction/auction-scenarios.js";
import { baselines } from "../../bench/auction/bidder-baselines.js";
import { hindsightOptimum } from "../../bench/auction/hindsight-optimum.js";
import { simulateDay } from "../../bench/auction/simulate-day.js";

describe("auction simulation (one seed, stationary, small day)", () => {
  const day = generateAuctionDay(17, scenarios[0]!, 6000);
  const budget = 0.25 * day.worthwhileCost;
  const options = (id: string) => baselines.find((b) => b.id === id)!.options;

  it("generates a plausible, reproducible day", () => {
    expect(day.events.length).toBeGreaterThan(5000);
    expect(day.events.length).toBeLessThan(7000);
    for (let i = 1; i < day.events.length; i++) expect(day.events[i]!.time).toBeGreaterThanOrEqual(day.events[i - 1]!.time);
    const again = generateAuctionDay(17, scenarios[0]!, 6000);
    expect(again.events.length).toBe(day.events.length);
    expect(again.events[100]).toEqual(day.events[100]);
    // The outage hour has no predictions; the rest nearly all do.
    const inOutage = day.events.filter((e) => e.time >= market.outage.from * 3.6e6 && e.time < market.outage.to * 3.6e6);
    expect(inOutage.length).toBeGreaterThan(0);
    expect(inOutage.every((e) => e.prediction === undefined)).toBe(true);
    // The 95% intervals are calibrated: about 95% of SUCCESS predictions contain the true LTV.
    const success = day.events.filter((e) => e.prediction && e.prediction.status === 0);
    const covered = success.filter((e) => e.prediction!.ltvLowerBound! <= e.trueLtv && e.trueLtv <= e.prediction!.ltvUpperBound!);
    expect(covered.length / success.length).toBeGreaterThan(0.93);
    expect(covered.length / success.length).toBeLessThan(0.97);
  });

  it("the default bidder never overspends, uses the budget and beats the legacy 30% rule on value", () => {
    const legacy = simulateDay(day.events, budget, options("legacy-30pct"));
    const ours = simulateDay(day.events, budget, options("dual+shading"));
    expect(ours.overspend).toBe(0);
    expect(ours.spend).toBeLessThanOrEqual(budget);
    expect(legacy.spend).toBeLessThanOrEqual(budget);
    expect(ours.spend / budget).toBeGreaterThan(0.95);
    expect(ours.value).toBeGreaterThan(2 * legacy.value);
    // No bidder can beat the hindsight optimum.
    expect(ours.value).toBeLessThanOrEqual(hindsightOptimum(day.events, budget).value);
    // The same seed gives the same outcome.
    const again = simulateDay(day.events, budget, options("dual+shading"));
    expect(again.value).toBe(ours.value);
    expect(again.spendCurve).toEqual(ours.spendCurve);
  });
});
