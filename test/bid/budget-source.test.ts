import { describe, expect, it } from "vitest";
import type { BudgetSource } from "../../src/bid/index.js";
import { input, testBidder } from "./bid-fixtures.js";

/** A shared budget held in this test: a fixed slice the bidder may commit, and a log of what it heard. */
function slice(amount: number) {
  const log: string[] = [];
  let committed = 0;
  let unavailable = false;
  const source: BudgetSource = {
    headroom: () => (unavailable ? 0 : Math.max(0, amount - committed)),
    refusal: () => (unavailable ? "budget_unavailable" : "budget_exhausted"),
    reserve(id, cost) {
      committed += cost;
      log.push(`reserve ${id} ${cost}`);
    },
    settle(id, reserved, spend, expired) {
      committed += spend - reserved;
      log.push(`settle ${id} ${reserved} ${spend} ${expired}`);
    },
  };
  return { source, log, setUnavailable: (v: boolean) => (unavailable = v) };
}

describe("budgetSource", () => {
  it("bids only within the source's headroom, reports every reservation and outcome, and says why it stops", () => {
    // Local budget 1000; the source vouches for 2.5 (each bid costs at most 1.00).
    const s = slice(2.5);
    const { bidder, clock } = testBidder({ budgetSource: s.source, outcomeTimeoutMs: 1000 });
    const a = bidder.bid(input());
    const b = bidder.bid(input());
    const c = bidder.bid(input());
    if (a.noBid || b.noBid || c.noBid) throw new Error("expected three bids");
    expect(c.cappedByBudget).toBe(true);
    expect(bidder.bid(input()).reason).toBe("budget_exhausted");
    bidder.recordOutcome({ decisionId: a.decisionId, won: true, priceCpm: 400 });
    bidder.recordOutcome({ decisionId: b.decisionId, won: false });
    expect(s.log).toEqual([
      "reserve 0 1",
      "reserve 1 1",
      expect.stringMatching(/^reserve 2 0\.4999/),
      "settle 0 1 0.4 false",
      "settle 1 1 0 false",
    ]);
    clock.advance(1000);
    bidder.expirePending();
    expect(s.log.at(-1)).toMatch(/^settle 2 0\.4999\d* 0 true$/);
    // A win notice after expiry is still spend: the source hears it as a late settlement.
    bidder.recordOutcome({ decisionId: c.decisionId, won: true, priceCpm: 100 });
    expect(s.log.at(-1)).toBe("settle 2 0 0.1 true");
    s.setUnavailable(true);
    expect(bidder.bid(input()).reason).toBe("budget_unavailable");
    s.setUnavailable(false);
    expect(bidder.bid(input()).noBid).toBe(false);
  });

  it("rejects a budgetSource that is not one", () => {
    expect(() => testBidder({ budgetSource: {} as unknown as BudgetSource })).toThrow(/^budgetSource: /);
  });
});
