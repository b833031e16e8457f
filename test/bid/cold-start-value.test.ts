import { describe, expect, it } from "vitest";
import { createBidder, type Bidder } from "../../src/bid/index.js";
import { auctionStream, budgetFor, coldStartAuctionsPerSecond, day, manualClock, prediction } from "./bid-fixtures.js";

const hour = 3_600_000;
const auctionsPerSecond = coldStartAuctionsPerSecond;

interface Run {
  bidder: Bidder;
  /** Largest (settled spend - even target from creation) / budget after any auction. */
  worstAhead: number;
  /** Mean value CPM of every auction seen, and of the impressions won. */
  offeredValue: number;
  wonValue: number;
  wins: number;
}

/** A bidder created at `createdAt`, 10 auctions/s for `durationMs`, outcomes 400 ms later (30% of losses never). */
function run(createdAt: number, durationMs: number, budget: number, seed: number): Run {
  const clock = manualClock(createdAt);
  const bidder = createBidder({ budget: { amount: budget, periodStart: 0, periodEnd: day }, now: clock.now, riskAdjustment: "none" });
  const next = auctionStream(seed);
  const queue: Array<{ due: number; decisionId: string; won: boolean; priceCpm: number | undefined }> = [];
  const r: Run = { bidder, worstAhead: -Infinity, offeredValue: 0, wonValue: 0, wins: 0 };
  let offered = 0;
  for (let t = createdAt; t < createdAt + durationMs; t += 1000 / auctionsPerSecond) {
    clock.set(t);
    while (queue.length > 0 && queue[0]!.due <= t) bidder.recordOutcome(queue.shift()!);
    const a = next();
    offered++;
    r.offeredValue += a.valueCpm;
    const d = bidder.bid({ prediction: prediction({ predictedLtv: a.valueCpm }), conversionRate: 0.001, auction: { at: 2 } });
    if (!d.noBid) {
      const won = d.bidCpm >= a.competitorCpm;
      if (won) {
        r.wins++;
        r.wonValue += a.valueCpm;
      }
      if (won || a.lossNotice) queue.push({ due: t + 400, decisionId: d.decisionId, won, priceCpm: won ? a.competitorCpm : undefined });
    }
    const target = (budget * (t - createdAt)) / (day - createdAt);
    r.worstAhead = Math.max(r.worstAhead, (bidder.snapshot().spent - target) / budget);
  }
  for (const n of queue) bidder.recordOutcome(n);
  r.offeredValue /= offered;
  r.wonValue = r.wins > 0 ? r.wonValue / r.wins : 0;
  return r;
}

describe("cold start: the capped budget goes to the best impressions", () => {
  it("before its first multiplier a new bidder buys the most valuable impressions of its first seconds, not the first ones", () => {
    // 600x excess: the cap's tolerance (2% of the budget) is all a new bidder may spend at once. Its first
    // controller window closes after 6 s; over the 5 s before, across seeds, what it won is compared with
    // what was on offer. Bidding in arrival order won impressions about as valuable as the traffic's mean
    // (a little more, since higher bids win more often); only the best so far wins well above it.
    const budget = budgetFor(600);
    let offered = 0;
    let won = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = run(12 * hour, 5000, budget, seed);
      expect(r.bidder.snapshot().pacingMultiplier).toBe(1);
      expect(r.wins).toBeGreaterThan(0);
      offered += r.offeredValue;
      won += r.wonValue;
    }
    expect(won / offered).toBeGreaterThan(2);
  });

  it("a bidder restored mid-exploration from its JSON state keeps the best it has seen", () => {
    const budget = budgetFor(600);
    const clock = manualClock(12 * hour);
    const options = { budget: { amount: budget, periodStart: 0, periodEnd: day }, now: clock.now, riskAdjustment: "none" as const };
    const original = createBidder(options);
    const next = auctionStream(3);
    const bid = (b: Bidder, valueCpm: number) =>
      b.bid({ prediction: prediction({ predictedLtv: valueCpm }), conversionRate: 0.001, auction: { at: 2 } });
    for (let i = 0; i < 30; i++) {
      clock.set(12 * hour + 100 * i);
      bid(original, next().valueCpm);
    }
    const restored = createBidder({ ...options, state: JSON.parse(JSON.stringify(original.toJSON())) });
    const reasons = new Set<string>();
    for (let i = 30; i < 55; i++) {
      clock.set(12 * hour + 100 * i);
      const v = next().valueCpm;
      const a = bid(original, v);
      const b = bid(restored, v);
      expect(b.reason).toBe(a.reason);
      expect(b.bidCpm).toBe(a.bidCpm);
      reasons.add(a.reason);
    }
    // Still exploring: most impressions are no better than the best so far.
    expect(reasons).toContain("cold_start_exploring");
  });

  it("a budget of a few dozen impressions stays within 2% and one impression of its target, on every seed and hour", () => {
    // After a cold start that bought nothing, the controller climbs until the first win; a window then held
    // open for want of planned wins (one win is several times a window's plan) kept the multiplier where the
    // first win found it, and spend ran up to 60% of the budget ahead of the target. A held window that has
    // already spent more than its longest hold is planned to, while spend is ahead by more than the cap's
    // tolerance, is closed and corrected.
    const tiny = budgetFor(12_000);
    // One dear impression (a competing bid of 10 CPM x e^(2 x 0.5) = 27 CPM) is 8% of this budget.
    const oneImpression = 0.08;
    for (const createdHour of [7.5, 12]) {
      for (let seed = 2; seed <= 7; seed++) {
        const r = run(createdHour * hour, hour, tiny, seed);
        expect(r.worstAhead, `created at ${createdHour}:00, seed ${seed}`).toBeLessThanOrEqual(0.02 + oneImpression);
        expect(r.bidder.snapshot().spent).toBeLessThanOrEqual(tiny);
      }
    }
  });
});
