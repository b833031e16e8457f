import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/bid/index.js";
import { input, prediction, testBidder } from "./bid-fixtures.js";

describe("hard budget guard", () => {
  it("reserves each bid's maximum cost and never bids what budget minus reservations cannot cover", () => {
    // Each bid is 1000 CPM = 1.00 per impression; a budget of 2.5 covers two pending bids, then a capped third.
    const { bidder } = testBidder({ budget: { amount: 2.5, periodStart: 0, periodEnd: 1e9 } });
    const a = bidder.bid(input());
    const b = bidder.bid(input());
    expect(a.noBid || b.noBid).toBe(false);
    expect(bidder.snapshot().reserved).toBeCloseTo(2, 12);
    const c = bidder.bid(input());
    expect(c.noBid).toBe(false);
    if (c.noBid) throw new Error("unreachable");
    expect(c.cappedByBudget).toBe(true);
    expect(c.bidCpm / 1000).toBeLessThanOrEqual(0.5);
    const d = bidder.bid(input());
    expect(d.noBid).toBe(true);
    expect(d.reason).toBe("budget_exhausted");
    // A loss releases its reservation; the next bid fits again.
    if (a.noBid) throw new Error("unreachable");
    expect(bidder.recordOutcome({ decisionId: a.decisionId, won: false })).toMatchObject({ applied: true, reason: "loss_released", spend: 0 });
    expect(bidder.bid(input()).noBid).toBe(false);
  });

  it("does not double-count duplicate outcomes and ignores unknown ids", () => {
    const { bidder } = testBidder();
    const d = bidder.bid(input());
    if (d.noBid) throw new Error("expected a bid");
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 400 })).toMatchObject({ applied: true, spend: 0.4 });
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 400 })).toEqual({ applied: false, reason: "unknown_decision", spend: 0 });
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: false })).toMatchObject({ applied: false });
    expect(bidder.recordOutcome({ decisionId: "nope", won: true, priceCpm: 1e6 })).toMatchObject({ applied: false });
    expect(bidder.snapshot().spent).toBeCloseTo(0.4, 12);
    expect(bidder.snapshot().reserved).toBe(0);
  });

  it("releases reservations whose outcome never arrives, on the injected clock", () => {
    const { bidder, clock } = testBidder({ budget: { amount: 1.5, periodStart: 0, periodEnd: 1e9 }, outcomeTimeoutMs: 5000 });
    const d = bidder.bid(input());
    expect(d.noBid).toBe(false);
    const capped = bidder.bid(input()); // 0.5 left
    expect(!capped.noBid && capped.cappedByBudget).toBe(true);
    expect(bidder.bid(input()).reason).toBe("budget_exhausted");
    clock.advance(4999);
    expect(bidder.expirePending()).toBe(0);
    clock.advance(1);
    expect(bidder.expirePending()).toBe(2);
    expect(bidder.snapshot().reserved).toBe(0);
    expect(bidder.bid(input()).noBid).toBe(false);
    // A win notice after expiry is still real spend: counted once, flagged late.
    if (d.noBid) throw new Error("unreachable");
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 100 })).toMatchObject({ applied: true, reason: "late_win_settled" });
    expect(bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 100 })).toMatchObject({ applied: false });
    expect(bidder.snapshot().spent).toBeCloseTo(0.1, 12);
  });

  it("never lets settled spend exceed the budget under adversarial outcome sequences", () => {
    // Seeded random play: bids of random value and floors, first and second price; outcomes that are
    // wins at any price up to the bid, losses, duplicates, unknown ids, reordered, or never sent.
    for (let seed = 1; seed <= 20; seed++) {
      const random = createSeededRandom(seed);
      const budget = 0.5 + random.next() * 5;
      const { bidder, clock } = testBidder({
        budget: { amount: budget, periodStart: 0, periodEnd: 1e12 },
        outcomeTimeoutMs: 200,
        pacing: { controller: random.next() < 0.5 ? "dual" : "none" },
        shading: random.next() < 0.5,
      });
      const open: string[] = [];
      const bids = new Map<string, number>();
      const settled: string[] = [];
      let billed = 0; // what the "exchange" charged for outcomes delivered before expiry
      for (let step = 0; step < 400; step++) {
        clock.advance(Math.floor(random.next() * 30));
        const d = bidder.bid(
          input({
            prediction: prediction({ predictedLtv: 10 + random.next() * 500 }),
            conversionRate: random.next() * 0.02,
            auction: { at: random.next() < 0.5 ? 1 : 2, bidfloor: random.next() < 0.3 ? random.next() * 50 : 0 },
          }),
        );
        if (!d.noBid) {
          expect(d.budgetSpent + d.budgetReserved).toBeLessThanOrEqual(budget + 1e-9);
          open.push(d.decisionId);
          bids.set(d.decisionId, d.bidCpm);
        }
        const action = random.next();
        if (open.length > 0 && action < 0.5) {
          const i = Math.floor(random.next() * open.length);
          const id = open.splice(i, 1)[0]!;
          const won = random.next() < 0.6;
          const before = bidder.snapshot();
          // A win billed at the bid: the most any win can cost.
          const r = bidder.recordOutcome({ decisionId: id, won, priceCpm: won ? bids.get(id) : undefined });
          if (r.applied && r.reason === "win_settled") billed += r.spend;
          if (r.applied) settled.push(id);
          expect(bidder.snapshot().spent - before.spent).toBeCloseTo(r.spend, 12);
        } else if (settled.length > 0 && action < 0.6) {
          const id = settled[Math.floor(random.next() * settled.length)]!;
          expect(bidder.recordOutcome({ decisionId: id, won: true, priceCpm: 1 }).applied).toBe(false);
        } else if (action < 0.65) {
          expect(bidder.recordOutcome({ decisionId: `x${step}`, won: true, priceCpm: 5 }).applied).toBe(false);
        }
        // The rest of the open decisions may never get an outcome: expiry must release them.
        const s = bidder.snapshot();
        expect(s.spent).toBeLessThanOrEqual(budget + 1e-9);
        expect(s.spent + s.reserved).toBeLessThanOrEqual(budget + 1e-9);
      }
      // Outcomes delivered in time are exactly what the bidder accounted.
      expect(bidder.snapshot().spent).toBeGreaterThanOrEqual(billed - 1e-9);
    }
  });
});
