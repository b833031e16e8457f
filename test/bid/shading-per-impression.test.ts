import { describe, expect, it } from "vitest";
import { BidInputError, WinRateLandscape, createSeededRandom } from "../../src/bid/index.js";
import { input, prediction, testBidder } from "./bid-fixtures.js";

/**
 * First-price auctions whose competing bid rises with the impression's value (60% of it, +-20%):
 * one pooled win-rate curve shades a valuable impression like an average one and loses it.
 */
function play(segments: boolean, auctions: number, valueLinked = false): { surplus: number; bidFor100: number } {
  const { bidder } = testBidder({ shading: { segments, valueLinked, minObservations: 30 } });
  const random = createSeededRandom(4);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(1e-12, random.next()))) * Math.cos(2 * Math.PI * random.next());
  let surplus = 0;
  for (let i = 0; i < auctions; i++) {
    const valueCpm = 10 * Math.exp(normal());
    const competitor = 0.6 * valueCpm * Math.exp(0.2 * normal());
    const d = bidder.bid(input({ prediction: prediction({ predictedLtv: valueCpm }), conversionRate: 0.001, auction: { at: 1 } }));
    if (d.noBid) continue;
    const won = d.bidCpm >= competitor;
    // Measured after the model has learned (the first half is training).
    if (won && i >= auctions / 2) surplus += (valueCpm - d.bidCpm) / 1000;
    bidder.recordOutcome({ decisionId: d.decisionId, won, priceCpm: won ? d.bidCpm : undefined, minBidToWinCpm: competitor });
  }
  const probe = bidder.bid(input({ prediction: prediction({ predictedLtv: 100 }), conversionRate: 0.001, auction: { at: 1 } }));
  return { surplus, bidFor100: probe.bidCpm };
}

describe("shading per impression", () => {
  it("learns a curve per value bucket and bids valuable impressions what their market asks", () => {
    const pooled = play(false, 6000);
    const segmented = play(true, 6000);
    // Competing bids for a value of 100 are around 60 (its bucket, 64-128, spans 38-77): the segmented
    // model bids into that range, the pooled one far below it (measured: 56 against 20).
    expect(segmented.bidFor100).toBeGreaterThan(45);
    expect(segmented.bidFor100).toBeLessThan(100);
    expect(pooled.bidFor100).toBeLessThan(30);
    // Measured: 6.7 times the surplus.
    expect(segmented.surplus).toBeGreaterThan(3 * pooled.surplus);
  });

  it("falls back to the pooled curve for a thin segment", () => {
    const landscape = new WinRateLandscape({});
    // The pooled market clears at 2; one segment has seen a single exact price of 8.
    for (let i = 0; i < 500; i++) landscape.observe(landscape.keyOf(4, 0, "meta"), true, 10, 2);
    const thin = landscape.keyOf(64, 0, "tiktok")!;
    landscape.observe(thin, true, 10, 8);
    // One observation against a prior of 20: still shades near the pooled price, not at 8.
    expect(landscape.bestBid(20, 0, thin)!).toBeLessThan(3);
    for (let i = 0; i < 200; i++) landscape.observe(thin, true, 10, 8);
    // Well observed: its own price.
    expect(landscape.bestBid(20, 0, thin)!).toBeGreaterThanOrEqual(8);
    expect(landscape.segmentCount()).toBe(2);
  });

  it("lets a thin segment forget at the market's pace, not at its own", () => {
    const landscape = new WinRateLandscape({});
    const thin = landscape.keyOf(64, 0, "tiktok")!;
    const busy = landscape.keyOf(4, 0, "meta")!;
    // Yesterday: the thin segment's market cleared at 2.
    for (let i = 0; i < 1000; i++) landscape.observe(thin, true, 10, 2);
    expect(landscape.bestBid(20, 0, thin)!).toBeLessThan(3);
    // Today the whole market clears at 8: 20,000 outcomes, one in 200 of them the thin segment's.
    for (let i = 0; i < 20_000; i++) landscape.observe(i % 200 === 0 ? thin : busy, true, 10, 8);
    // Ten half-lives of the market have passed: yesterday's prices weigh nothing. Before the segment
    // faded by its own 100 outcomes (measured: it still bid 2.24, losing every auction).
    expect(landscape.bestBid(20, 0, thin)!).toBeGreaterThanOrEqual(8);
  });

  it("keeps a segment's place on the market's clock through toJSON and restore", () => {
    const landscape = new WinRateLandscape({});
    const thin = landscape.keyOf(64, 0, "tiktok")!;
    const busy = landscape.keyOf(4, 0, "meta")!;
    for (let i = 0; i < 1000; i++) landscape.observe(thin, true, 10, 2);
    for (let i = 0; i < 20_000; i++) landscape.observe(busy, true, 10, 8);
    const restored = new WinRateLandscape({}, landscape.pooledState(), landscape.segmentsState(), landscape.slopeState());
    expect(restored.pooledState().clock).toBe(21_000);
    // The restored segment catches up on the 20,000 outcomes it did not see at its next one.
    for (let i = 0; i < 20; i++) restored.observe(thin, true, 10, 8);
    expect(restored.bestBid(20, 0, thin)!).toBeGreaterThanOrEqual(8);
    // A clock that cannot be is an input error naming it.
    const bad = (): WinRateLandscape => new WinRateLandscape({}, { ...landscape.pooledState(), clock: -1 });
    expect(bad).toThrow(BidInputError);
    expect(bad).toThrow(/state\.winRate\.clock/);
    const segments = landscape.segmentsState().map(([k, m]): [string, typeof m] => [k, { ...m, clock: Number.NaN }]);
    expect(() => new WinRateLandscape({}, landscape.pooledState(), segments)).toThrow(/state\.winRateSegments\.clock/);
  });
});
