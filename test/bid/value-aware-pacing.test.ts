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
  /** Spend per hour of day. */
  hourly: number[];
  /** Value (CPM / 1000) of the impressions won. */
  value: number;
  /** The pacing multiplier at the start of every minute. */
  multipliers: number[];
}

/** One day of second-price auctions (value and competing bid log-normal, median 10 CPM), outcomes at once. */
function runDay(
  dayIndex: number,
  budget: number,
  extra: Partial<BidderOptions>,
  seed: number,
  rate: (t: number) => number = rateAt,
): DayRun {
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
  const hourly = new Array<number>(24).fill(0);
  const multipliers: number[] = [];
  let value = 0;
  for (let t = start; t < start + day; t += 1000 / rate(t)) {
    clock.set(t);
    if (t - start >= multipliers.length * 60_000) multipliers.push(bidder.snapshot().pacingMultiplier);
    const valueCpm = 10 * Math.exp(normal());
    const competitorCpm = 10 * Math.exp(0.5 * normal());
    const d = bidder.bid({ prediction: prediction({ predictedLtv: valueCpm }), conversionRate: 0.001, auction: { at: 2 } });
    if (d.noBid) continue;
    const won = d.bidCpm >= competitorCpm;
    const r = bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? competitorCpm : undefined });
    spend += r.spend;
    if (won) value += valueCpm / 1000;
    const h = (t % day) / hour;
    if (h >= 18 && h < 21) surgeSpend += r.spend;
    hourly[Math.floor(h)]! += r.spend;
  }
  return { bidder, spend, surgeSpend, hourly, value, multipliers };
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

  it("expects an unannounced surge to last a while, so it does not take the budget of the hours after it", () => {
    // Yesterday was flat; today traffic triples from 12:00 to 15:00, which the profile does not know.
    const first = runDay(0, budget, {}, 1, () => 1);
    const learned: BidderState = JSON.parse(JSON.stringify(first.bidder.toJSON()));
    const surge = (t: number): number => {
      const h = (t % day) / hour;
      return h >= 12 && h < 15 ? 3 : 1;
    };
    const today = runDay(1, budget, { warmStart: learned }, 2, surge);
    const sum = (from: number, to: number): number => today.hourly.slice(from, to).reduce((a, b) => a + b, 0);
    // Spend per auction in the three hours after the surge against the surge's own (it had three
    // times the auctions): a constant multiplier from noon on would keep it at 1. Taking each surge
    // window as a one-off windfall gave the surge the evening's budget (measured: 0.69); expecting
    // the surge to go on keeps the two close (0.88).
    const perAuction = sum(15, 18) / (sum(12, 15) / 3);
    expect(perAuction).toBeGreaterThan(0.8);
    expect(perAuction).toBeLessThan(1.25);
    expect(today.spend).toBeLessThanOrEqual(budget);
    expect(today.spend).toBeGreaterThan(0.95 * budget);
    // The detector's sums are part of the state.
    expect(today.bidder.toJSON().valueProfile!.recent!.expected).toBeGreaterThan(0);
  });

  it("holds a window open until it is planned to hold a few wins, so a small budget's multiplier does not swing", () => {
    // A budget of about 300 wins a day: 0.2 a minute, so a one-minute window is 0 or 1 win against 0.2 planned.
    const small = 3;
    const swing = (r: DayRun): number => {
      // Standard deviation of the log multiplier, minute by minute, from 02:00 on (after the cold start).
      const logs = r.multipliers.slice(120).map((m) => Math.log(m));
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      return Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
    };
    const first = runDay(0, small, {}, 1, () => 1);
    const learned: BidderState = JSON.parse(JSON.stringify(first.bidder.toJSON()));
    const held = runDay(1, small, { warmStart: learned }, 2, () => 1);
    const everyMinute = runDay(1, small, { warmStart: learned, pacing: { minWindowWins: 0 } }, 2, () => 1);
    // Measured: a swing of 0.13 against 0.29, and 4% more value for the same spend.
    expect(swing(held)).toBeLessThan(0.7 * swing(everyMinute));
    expect(held.value).toBeGreaterThan(everyMinute.value);
    for (const r of [held, everyMinute]) {
      expect(r.spend).toBeLessThanOrEqual(small);
      expect(r.spend).toBeGreaterThan(0.95 * small);
    }
    expect(() => runDay(0, small, { pacing: { minWindowWins: -1 } }, 1)).toThrow(/pacing.minWindowWins/);
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
