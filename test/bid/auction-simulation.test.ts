import { describe, expect, it } from "vitest";
import { generateAuctionDay, market } from "../../bench/auction/auction-generator.js";
import { scenarios } from "../../bench/auction/auction-scenarios.js";
import { baselines } from "../../bench/auction/bidder-baselines.js";
import {
  hindsightMultiplier,
  hindsightMultiplierTrueLandscape,
  hindsightMultiplierUnshaded,
  hindsightOptimum,
} from "../../bench/auction/hindsight-optimum.js";
import { fitOwnValueLandscape, ownValueLandscapeBid } from "../../bench/auction/own-value-landscape.js";
import { logNormalLandscapeBid, normalCdf } from "../../bench/auction/true-landscape-bid.js";
import { simulateDay } from "../../bench/auction/simulate-day.js";
import { createSeededRandom } from "../../src/bid/index.js";

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
    const ours = simulateDay(day.events, budget, options("default"));
    expect(ours.overspend).toBe(0);
    expect(ours.spend).toBeLessThanOrEqual(budget);
    expect(legacy.spend).toBeLessThanOrEqual(budget);
    expect(ours.spend / budget).toBeGreaterThan(0.95);
    expect(ours.value).toBeGreaterThan(2 * legacy.value);
    // No bidder can beat the hindsight optimum.
    const bound = hindsightOptimum(day.events, budget);
    const reference = hindsightMultiplier(day.events, budget);
    expect(ours.value).toBeLessThanOrEqual(bound.value);
    // The reference sees only estimates: it cannot beat the bound either, and both spend at most the budget.
    expect(reference.value).toBeLessThanOrEqual(bound.value);
    expect(reference.spend).toBeLessThanOrEqual(budget * (1 + 1e-12));
    expect(bound.firstPriceValue + bound.secondPriceValue).toBeCloseTo(bound.value, 9);
    // Swapping the truth in for an estimate ranks better, and the true value on the predicted
    // auctions is a knapsack over fewer items: the bound stays above all of them.
    const trueLtv = hindsightMultiplier(day.events, budget, "true_ltv");
    const trueValue = hindsightMultiplier(day.events, budget, "true_value");
    expect(trueLtv.value).toBeGreaterThan(reference.value);
    expect(trueValue.value).toBeGreaterThan(trueLtv.value);
    expect(trueValue.value).toBeLessThanOrEqual(bound.value);
    expect(trueValue.spend).toBeLessThanOrEqual(budget * (1 + 1e-12));
    // Without shading a first-price win costs its bid: at any multiplier it buys what the
    // reference buys, dearer, so it fits fewer in the budget.
    const unshaded = hindsightMultiplierUnshaded(day.events, budget);
    expect(unshaded).toBeGreaterThan(0);
    expect(unshaded).toBeLessThan(reference.value);
    // Shading against the true landscape pays less than the bid for what it wins, but not the
    // price to win: between the two.
    const shaded = hindsightMultiplierTrueLandscape(day.events, budget);
    expect(shaded).toBeGreaterThan(unshaded);
    expect(shaded).toBeLessThan(reference.value);
    // The same seed gives the same outcome.
    const again = simulateDay(day.events, budget, options("default"));
    expect(again.value).toBe(ours.value);
    expect(again.spendCurve).toEqual(ours.spendCurve);
  });
});

describe("auction simulation (one seed, a new bidder at noon under heavy traffic)", () => {
  it("never overspends and uses its budget", () => {
    const scenario = scenarios.find((s) => s.id === "midday-cold-start")!;
    const day = generateAuctionDay(5, scenario, 6000);
    const budget = scenario.budgetShare! * generateAuctionDay(5, scenarios[0]!, 6000).worthwhileCost;
    const r = simulateDay(day.events, budget, baselines.find((b) => b.id === "default")!.options, scenario.startHour! * 3_600_000);
    expect(r.overspend).toBe(0);
    expect(r.spend / budget).toBeGreaterThan(0.95);
    // Nothing was bought before the bidder existed.
    expect(r.spendCurve[12 * 4 - 1]).toBe(0);
  });
});

describe("auction simulation (the own-value-landscape reference)", () => {
  it("fits the competing bid on the bidder's own value: the slope competitors show, a wider spread than the true landscape's", () => {
    const scenario = scenarios.find((s) => s.id === "value-correlated")!;
    const day = generateAuctionDay(3, scenario, 6000);
    const budget = 0.25 * generateAuctionDay(3, scenarios[0]!, 6000).worthwhileCost;
    const options = baselines.find((b) => b.id === "ref:own-value-landscape")!.options;
    const points: Array<[number, number]> = [];
    simulateDay(day.events, budget, options, 0, undefined, (valueCpm, e) => {
      points.push([Math.log(valueCpm), Math.log(e.competitorCpm * (e.currency === "EUR" ? market.eurRate : 1))]);
    });
    expect(points.length).toBeGreaterThan(1000);
    const fit = fitOwnValueLandscape(points);
    // Competing bids are in proportion to the true value; the bidder's estimate of it is noisy, so the
    // slope on the estimate is attenuated below 1 and the spread around it is wider than the true 0.6.
    expect(fit.slope).toBeGreaterThan(0.6);
    expect(fit.slope).toBeLessThan(1);
    expect(fit.sigma).toBeGreaterThan(market.competitorSigma + 0.1);
    const r = simulateDay(day.events, budget, options, 0, fit);
    expect(r.overspend).toBe(0);
    expect(r.firstPriceValue).toBeGreaterThan(0);
    for (const e of day.events.slice(0, 200)) {
      if (e.at !== 1) continue;
      const b = ownValueLandscapeBid(20, 30, e, fit);
      expect(b).toBeLessThanOrEqual(20);
      expect(b).toBeGreaterThanOrEqual(Math.min(20, e.floorCpm));
    }
  });
});

describe("auction simulation (the best bid against a known log-normal landscape)", () => {
  it("finds the surplus's peak: no bid on a fine grid between the floor and the paced bid does better", () => {
    const random = createSeededRandom(11);
    let checked = 0;
    for (let k = 0; k < 300; k++) {
      const paced = 0.5 + 30 * random.next();
      const floor = random.next() < 0.4 ? 0 : paced * 1.2 * random.next();
      const median = 0.5 + 10 * random.next();
      const sigma = 0.2 + random.next();
      const surplus = (b: number): number => (paced - b) * (b < floor ? 0 : normalCdf(Math.log(b / median) / sigma));
      const bid = logNormalLandscapeBid(paced, floor, median, sigma);
      if (paced <= floor) {
        expect(bid).toBe(paced);
        continue;
      }
      expect(bid).toBeGreaterThanOrEqual(floor);
      expect(bid).toBeLessThanOrEqual(paced);
      let best = 0;
      for (let i = 0; i <= 20_000; i++) best = Math.max(best, surplus(floor + ((paced - floor) * i) / 20_000));
      // Within the normal CDF approximation's own error (1.5e-7) of the grid's best.
      expect(surplus(bid)).toBeGreaterThanOrEqual(best * (1 - 1e-7));
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });
});
