import { describe, expect, it } from "vitest";
import { BidInputError, createBidder, deliverySchedule, type BidderOptions } from "../../src/bid/index.js";
import { input, prediction, testBidder } from "./bid-fixtures.js";

function expectField(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BidInputError);
  const e = caught as BidInputError;
  expect(e.field).toBe(field);
  expect(e.code).toBe("invalid_argument");
  expect(e.message.startsWith(`${field}: `)).toBe(true);
}

describe("input validation", () => {
  it("names the field of a bad bid input", () => {
    const { bidder } = testBidder();
    expectField(() => bidder.bid(input({ conversionRate: Number.NaN })), "conversionRate");
    expectField(() => bidder.bid(input({ conversionRate: -0.1 })), "conversionRate");
    expectField(() => bidder.bid(input({ conversionRate: 1.5 })), "conversionRate");
    expectField(() => bidder.bid(input({ auction: { at: 3 } })), "auction.at");
    expectField(() => bidder.bid(input({ auction: { at: 2, bidfloor: -1 } })), "auction.bidfloor");
    expectField(() => bidder.bid(input({ auction: { at: 2, tmax: 0 } })), "auction.tmax");
    expectField(() => bidder.bid(input({ auction: undefined as never })), "auction");
    expectField(() => bidder.bid(input({ margin: 0 })), "margin");
    expectField(() => bidder.bid(input({ prediction: prediction({ confidence: 2 }) })), "prediction.confidence");
    expectField(() => bidder.bid(input({ prediction: prediction({ predictedLtv: -5 }) })), "prediction.predictedLtv");
    expectField(() => bidder.bid(input({ prediction: prediction({ status: 99 }) })), "prediction.status");
    expectField(() => bidder.bid(input({ prediction: prediction({ status: "BROKEN" }) })), "prediction.status");
    expectField(() => bidder.recordOutcome({ decisionId: "0", won: true, priceCpm: -1 }), "priceCpm");
    expectField(() => bidder.recordOutcome({ decisionId: 7 as never, won: true }), "decisionId");
  });

  it("leaves the bidder untouched when it throws", () => {
    const { bidder, clock } = testBidder({ pacing: { controller: "dual", maxAheadShare: 1 } });
    const d = bidder.bid(input());
    // Late enough that the reservation would expire and a pacing window close, were the call to proceed.
    clock.advance(120_000);
    const before = JSON.stringify(bidder.toJSON());
    expect(() => bidder.bid(input({ conversionRate: 2 }))).toThrow(BidInputError);
    expect(() => bidder.bid(input({ prediction: prediction({ status: 42 }) }))).toThrow(BidInputError);
    expect(() => bidder.bid(input({ prediction: prediction({ confidence: -1 }) }))).toThrow(BidInputError);
    if (d.noBid) throw new Error("expected a bid");
    expect(() => bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: Number.NaN })).toThrow(BidInputError);
    expect(JSON.stringify(bidder.toJSON())).toBe(before);
  });

  it("names the field of a bad option", () => {
    const base: BidderOptions = { budget: { amount: 10, periodStart: 0, periodEnd: 1000 } };
    expectField(() => createBidder({ ...base, budget: { amount: -1, periodStart: 0, periodEnd: 1000 } }), "budget.amount");
    expectField(() => createBidder({ ...base, budget: { amount: 1, periodStart: 10, periodEnd: 10 } }), "budget.periodEnd");
    expectField(() => createBidder({ ...base, strategy: { kind: "target_roas", targetRoas: 0 } }), "strategy.targetRoas");
    expectField(() => createBidder({ ...base, strategy: { kind: "target_cpa", targetCpa: -3 } }), "strategy.targetCpa");
    expectField(() => createBidder({ ...base, pacing: { plan: deliverySchedule({ kind: "ahead", factor: 0.5 }) } }), "pacing.plan.factor");
    expectField(() => createBidder({ ...base, pacing: { plan: deliverySchedule({ kind: "traffic_shaped", hourlyWeights: [1, -1] }) } }), "pacing.plan.hourlyWeights[1]");
    // Schedules are an import of their own: the plain object is refused, naming what to import.
    expect(() => createBidder({ ...base, pacing: { plan: { kind: "even" } as never } })).toThrow(/^pacing\.plan: even is not value_aware: a schedule is deliverySchedule\(plan\), from syncvalue\/bid/);
    expectField(() => createBidder({ ...base, pacing: { plan: { kind: "magic" } as never } }), "pacing.plan");
    expectField(() => createBidder({ ...base, pacing: { controller: "magic" as never } }), "pacing.controller");
    // The PI and throttling controllers are imports of their own; their names alone say what to import.
    expect(() => createBidder({ ...base, pacing: { controller: "pi" as never } })).toThrow(/^pacing\.controller: "pi" is an import of its own: pass piPacing/);
    expect(() => createBidder({ ...base, pacing: { controller: "throttle" as never } })).toThrow(/^pacing\.controller: "throttle" is an import of its own: pass throttlingPacing/);
    expectField(() => createBidder({ ...base, currencyRates: { EUR: 0 } }), "currencyRates.EUR");
    expectField(() => createBidder({ ...base, platformMultipliers: { tiktok: -1 } }), "platformMultipliers.tiktok");
    expectField(() => createBidder({ ...base, fallback: { factor: 1.5 } }), "fallback.factor");
  });
});
