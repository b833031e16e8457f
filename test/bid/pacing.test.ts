import { describe, expect, it } from "vitest";
import {
  compileDeliveryPlan,
  createBidder,
  deliverySchedule,
  createDualPacingController,
  createPiPacingController,
  createSeededRandom,
  createThrottlingController,
  type PacingWindow,
} from "../../src/bid/index.js";
import { day, input, manualClock } from "./bid-fixtures.js";

const window = (spend: number, plannedSpend: number, extra: Partial<PacingWindow> = {}): PacingWindow => ({
  spend,
  plannedSpend,
  spentFraction: 0,
  plannedFraction: 0,
  intervals: 1,
  ...extra,
});

describe("delivery plans", () => {
  it("spreads the budget as documented", () => {
    const even = compileDeliveryPlan({ kind: "even" });
    expect(even(0.25)).toBeCloseTo(0.25, 12);
    const asap = compileDeliveryPlan({ kind: "asap" });
    expect(asap(0)).toBe(0);
    expect(asap(0.001)).toBe(1);
    const ahead = compileDeliveryPlan({ kind: "ahead", factor: 2 });
    expect(ahead(0.25)).toBeCloseTo(0.5, 12);
    expect(ahead(0.75)).toBe(1);
    // Two slices weighted 1 and 3: a quarter of the budget in the first half, linear within each.
    const shaped = compileDeliveryPlan({ kind: "traffic_shaped", hourlyWeights: [1, 3] });
    expect(shaped(0.5)).toBeCloseTo(0.25, 12);
    expect(shaped(0.25)).toBeCloseTo(0.125, 12);
    expect(shaped(0.75)).toBeCloseTo(0.25 + 0.75 / 2, 12);
    expect(shaped(1)).toBeCloseTo(1, 12);
  });
});

describe("controllers", () => {
  it("dual pacing raises mu on overspend, lowers it on underspend, and keeps mu >= 0", () => {
    const c = createDualPacingController({ stepSize: 0.5 });
    expect(c.multiplier()).toBe(1);
    c.update(window(3, 1)); // error +2: log(1 + mu) = 0.5 * 2
    expect(c.multiplier()).toBeCloseTo(Math.exp(-1), 12);
    c.update(window(0, 1)); // error -1: log(1 + mu) = 1 - 0.5
    expect(c.multiplier()).toBeCloseTo(Math.exp(-0.5), 12);
    for (let i = 0; i < 10; i++) c.update(window(0, 1));
    expect(c.multiplier()).toBe(1); // projected onto mu >= 0: never bids above value
    const state = c.toJSON();
    expect(state).toEqual({ kind: "dual", mu: 0 });
  });

  it("dual pacing takes a smaller step when the window was planned to hold few wins", () => {
    // stepWins 2: a window planned at 2 wins takes half the step, one planned at 198 wins 99% of it.
    const few = createDualPacingController({ stepSize: 0.5, stepWins: 2 });
    few.update(window(3, 1, { plannedWins: 2 })); // error +2: log(1 + mu) = 0.5 * 2 / 2 * 2
    expect(few.multiplier()).toBeCloseTo(Math.exp(-1 / 2), 12);
    const many = createDualPacingController({ stepSize: 0.5, stepWins: 2 });
    many.update(window(3, 1, { plannedWins: 198 }));
    expect(many.multiplier()).toBeCloseTo(Math.exp(-0.99), 12);
    // Before any win (no cost per win known) and with stepWins 0, the full step.
    const unknown = createDualPacingController({ stepSize: 0.5 });
    unknown.update(window(3, 1));
    expect(unknown.multiplier()).toBeCloseTo(Math.exp(-1), 12);
    const off = createDualPacingController({ stepSize: 0.5, stepWins: 0 });
    off.update(window(3, 1, { plannedWins: 0.1 }));
    expect(off.multiplier()).toBeCloseTo(Math.exp(-1), 12);
    // Far behind target (10% of the budget) and under plan again: a persistent gap, the full step.
    const behind = createDualPacingController({ stepSize: 0.5, stepWins: 2, initialMu: Math.E - 1 });
    behind.update(window(0, 1, { plannedWins: 2, plannedFraction: 0.5, spentFraction: 0.4 }));
    expect(behind.multiplier()).toBeCloseTo(Math.exp(-0.5), 12);
    expect(() => createDualPacingController({ stepWins: -1 })).toThrow(/pacing\.dual\.stepWins/);
  });

  it("PI stops integrating while saturated (anti-windup)", () => {
    const c = createPiPacingController({ kp: 1, ki: 1 });
    // Far behind plan for a long time: the multiplier is saturated at 1 and the integral must not grow.
    for (let i = 0; i < 100; i++) c.update(window(0, 1, { plannedFraction: 0.5, spentFraction: 0 }));
    expect(c.multiplier()).toBe(1);
    const state = c.toJSON();
    expect(state.kind === "pi" && state.integral).toBe(0);
    // Once ahead of plan, the multiplier reacts at once instead of unwinding a huge integral.
    c.update(window(0, 1, { plannedFraction: 0.5, spentFraction: 0.6 }));
    expect(c.multiplier()).toBeCloseTo(Math.exp(-0.1 - 0.1), 12);
  });

  it("throttling participates with probability q and moves q against the error", () => {
    const c = createThrottlingController({ stepSize: 1, initialProbability: 0.5 });
    const random = createSeededRandom(11);
    let taken = 0;
    for (let i = 0; i < 10_000; i++) if (c.participate(random)) taken++;
    expect(taken / 10_000).toBeGreaterThan(0.47);
    expect(taken / 10_000).toBeLessThan(0.53);
    c.update(window(2, 1)); // error +1: q = 0.5 * e^-1
    const s = c.toJSON();
    expect(s.kind === "throttle" && s.probability).toBeCloseTo(0.5 * Math.exp(-1), 12);
  });
});

describe("pacing in the bidder", () => {
  it("holds spend near an even plan when value far exceeds prices, and never exceeds the budget", () => {
    const clock = manualClock(0);
    const hour = 3_600_000;
    const budget = 20;
    const bidder = createBidder({
      budget: { amount: budget, periodStart: 0, periodEnd: hour },
      pacing: { controller: "dual", plan: deliverySchedule({ kind: "even" }) },
      shading: false,
      now: clock.now,
    });
    const random = createSeededRandom(5);
    let spend = 0;
    let halfway = 0;
    // Four auctions a second, each worth 1000 CPM, second price against a uniform market price in
    // [0, 10) CPM (mean 5): winning everything would cost 14 400 * 0.005 = 72 over the hour, so the
    // budget of 20 binds and pacing must spread it.
    for (let t = 0; t < hour; t += 250) {
      clock.set(t);
      if (t === hour / 2) halfway = spend;
      const d = bidder.bid(input({ auction: { at: 2 } }));
      if (d.noBid) continue;
      const market = random.next() * 10;
      const won = d.bidCpm >= market;
      const r = bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? market : undefined });
      spend += r.spend;
    }
    expect(spend).toBeLessThanOrEqual(budget);
    expect(spend).toBeGreaterThan(0.95 * budget);
    // The even plan: half the budget by half time.
    expect(halfway / budget).toBeGreaterThan(0.4);
    expect(halfway / budget).toBeLessThan(0.6);
  });

  it("holds the multiplier steadier when a window holds less than one win (a small budget)", () => {
    // A budget that buys about one impression every two or three minutes (windows): the spend of a
    // window is 0 or several times its plan, noise the controller should not chase. The spread of the
    // multiplier over the second half of the day must be smaller with the default stepWins than
    // with the step scaling off, on the same auctions.
    const spread = (stepWins: number | undefined): { logSd: number; spend: number; budget: number } => {
      const clock = manualClock(0);
      const budget = 2;
      const bidder = createBidder({
        budget: { amount: budget, periodStart: 0, periodEnd: day },
        // Every window corrected: this measures the step's scaling alone.
        pacing: { controller: "dual", plan: deliverySchedule({ kind: "even" }), dual: { stepWins }, minWindowWins: 0 },
        shading: false,
        now: clock.now,
      });
      const random = createSeededRandom(9);
      let spend = 0;
      const logs: number[] = [];
      for (let t = 0; t < day; t += 2000) {
        clock.set(t);
        if (t >= day / 2 && t % 60_000 === 0) logs.push(Math.log(bidder.snapshot().pacingMultiplier));
        const d = bidder.bid(input({ auction: { at: 2 } }));
        if (d.noBid) continue;
        const market = 1 + random.next() * 9;
        const won = d.bidCpm >= market;
        spend += bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? market : undefined }).spend;
      }
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      const logSd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
      return { logSd, spend, budget };
    };
    const scaled = spread(undefined);
    const full = spread(0);
    expect(scaled.spend).toBeLessThanOrEqual(scaled.budget);
    expect(scaled.spend).toBeGreaterThan(0.95 * scaled.budget);
    expect(scaled.logSd).toBeLessThan(0.7 * full.logSd);
  });
});
