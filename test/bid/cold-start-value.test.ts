import { describe, expect, it } from "vitest";
import { createBidder, type Bidder } from "../../src/bid/index.js";
import { auctionStream, budgetFor, coldStartAuctionsPerSecond, day, manualClock, prediction } from "./bid-fixtures.js";

const hour = 3_600_000;
const auctionsPerSecond = coldStartAuctionsPerSecond;

interface Run {
  bidder: Bidder;
  /** Largest (settled spend - even target from creation) / budget after any auction. */
  worstAhead: number;
}

/** A bidder created at `createdAt`, 10 auctions/s for `durationMs`, outcomes 400 ms later (30% of losses never). */
function run(createdAt: number, durationMs: number, budget: number, seed: number): Run {
  const clock = manualClock(createdAt);
  const bidder = createBidder({ budget: { amount: budget, periodStart: 0, periodEnd: day }, now: clock.now, riskAdjustment: "none" });
  const next = auctionStream(seed);
  const queue: Array<{ due: number; decisionId: string; won: boolean; priceCpm: number | undefined }> = [];
  const r: Run = { bidder, worstAhead: -Infinity };
  for (let t = createdAt; t < createdAt + durationMs; t += 1000 / auctionsPerSecond) {
    clock.set(t);
    while (queue.length > 0 && queue[0]!.due <= t) bidder.recordOutcome(queue.shift()!);
    const a = next();
    const d = bidder.bid({ prediction: prediction({ predictedLtv: a.valueCpm }), conversionRate: 0.001, auction: { at: 2 } });
    if (!d.noBid) {
      const won = d.bidCpm >= a.competitorCpm;
      if (won || a.lossNotice) queue.push({ due: t + 400, decisionId: d.decisionId, won, priceCpm: won ? a.competitorCpm : undefined });
    }
    const target = (budget * (t - createdAt)) / (day - createdAt);
    r.worstAhead = Math.max(r.worstAhead, (bidder.snapshot().spent - target) / budget);
  }
  for (const n of queue) bidder.recordOutcome(n);
  return r;
}

describe("cold start of a tiny budget", () => {
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
