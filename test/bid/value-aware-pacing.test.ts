import { describe, expect, it } from "vitest";
import { createBidder, createSeededRandom, deliverySchedule, type Bidder, type BidderOptions, type BidderState } from "../../src/bid/index.js";
import { day, manualClock, prediction } from "./bid-fixtures.js";

const hour = 3_600_000;
/** Auctions per second: 1 outside the evening surge, 3 from 18:00 to 21:00. */
const rateAt = (t: number): number => {
  const h = (t % day) / hour;
  return h >= 18 && h < 21 ? 3 : 1;
};

interface DayRun {
  bidder: Bidder;
  spend: number;
  surgeSpend: number;
}

/** One day of second-price auctions (value and competing bid log-normal, median 10 CPM), outcomes at once. */
function runDay(dayIndex: number, budget: number, extra: Partial<BidderOptions>, seed: number): DayRun {
  const start = dayIndex * day;
  const clock = manualClock(start);
  const bidder = createBidder({
    budget: { amount: budget, periodStart: start, periodEnd: start + day },
    now: clock.now,
    riskAdjustment: "none",
    shading: false,
    ...extra,
  });
  const random = createSeededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(1e-12, random.next()))) * Math.cos(2 * Math.PI * random.next());
  let spend = 0;
  let surgeSpend = 0;
  for (let t = start; t < start + day; t += 1000 / rateAt(t)) {
    clock.set(t);
    const valueCpm = 10 * Math.exp(normal());
    const competitorCpm = 10 * Math.exp(0.5 * normal());
    const d = bidder.bid({ prediction: prediction({ predictedLtv: valueCpm }), conversionRate: 0.001, auction: { at: 2 } });
    if (d.noBid) continue;
    const won = d.bidCpm >= competitorCpm;
    const r = bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? competitorCpm : undefined });
    spend += r.spend;
    const h = (t % day) / hour;
    if (h >= 18 && h < 21) surgeSpend += r.spend;
  }
  return { bidder, spend, surgeSpend };
}

describe("value-aware pacing (the default plan)", () => {
  // About a fifth of what winning everything worth its price would cost.
  const budget = 60;

  it("learns the value on offer by hour of day and gives a known surge its share of the budget", () => {
    const first = runDay(0, budget, {}, 1);
    const learned: BidderState = JSON.parse(JSON.stringify(first.bidder.toJSON()));
    const profile = learned.valueProfile!;
    // The surge hours were learned at about three times the rate of the others.
    expect(profile.rate[19]! / profile.rate[3]!).toBeGreaterThan(2.4);
    expect(profile.rate[19]! / profile.rate[3]!).toBeLessThan(3.6);
    expect(profile.days[3]).toBeCloseTo(1, 6);

    const valueAware = runDay(1, budget, { warmStart: learned }, 2);
    const even = runDay(1, budget, { warmStart: learned, pacing: { plan: deliverySchedule({ kind: "even" }) } }, 2);
    // The surge holds 9 of 30 traffic units (30%); the even plan gives it 3 hours in 24 (12.5%).
    expect(valueAware.surgeSpend / valueAware.spend).toBeGreaterThan(0.24);
    expect(even.surgeSpend / even.spend).toBeLessThan(0.17);
    for (const r of [valueAware, even]) {
      expect(r.spend).toBeLessThanOrEqual(budget);
      expect(r.spend).toBeGreaterThan(0.95 * budget);
    }
  });

  it("rejects a prior that is not 24 non-negative weights", () => {
    const options = { budget: { amount: 1, periodStart: 0, periodEnd: day }, now: () => 0 };
    expect(() => createBidder({ ...options, pacing: { plan: { kind: "value_aware", hourlyWeights: [1, 2] } } })).toThrow(
      /pacing.plan.hourlyWeights/,
    );
    const weights = new Array<number>(24).fill(1);
    weights[5] = -1;
    expect(() => createBidder({ ...options, pacing: { plan: { kind: "value_aware", hourlyWeights: weights } } })).toThrow(
      /pacing.plan.hourlyWeights\[5\]/,
    );
  });
});
