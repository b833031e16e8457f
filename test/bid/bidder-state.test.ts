import { describe, expect, it } from "vitest";
import { createBidder, createSeededRandom, piPacing, throttlingPacing, type BidderOptions, type BidDecision } from "../../src/bid/index.js";
import { manualClock, prediction } from "./bid-fixtures.js";

function options(clock: { now: () => number }, controller: "dual" | "throttle" | "pi"): BidderOptions {
  return {
    budget: { amount: 30, periodStart: 0, periodEnd: 3_600_000 },
    pacing: { controller: controller === "pi" ? piPacing : controller === "throttle" ? throttlingPacing : controller, updateIntervalMs: 10_000 },
    currencyRates: { EUR: 1.1 },
    now: clock.now,
    seed: 42,
  };
}

/** Drives a bidder with a seeded stream of auctions and outcomes; the stream is identical for equal seeds. */
function drive(bidder: ReturnType<typeof createBidder>, clock: { advance(ms: number): void }, seed: number, steps: number): BidDecision[] {
  const random = createSeededRandom(seed);
  const out: BidDecision[] = [];
  for (let i = 0; i < steps; i++) {
    clock.advance(1 + Math.floor(random.next() * 2000));
    const d = bidder.bid({
      prediction: random.next() < 0.1 ? undefined : prediction({ predictedLtv: 20 + random.next() * 300, confidence: random.next() }),
      conversionRate: random.next() * 0.01,
      platform: "meta",
      auction: { at: random.next() < 0.6 ? 1 : 2, bidfloor: random.next(), bidfloorcur: random.next() < 0.2 ? "EUR" : "USD" },
    });
    out.push(d);
    if (!d.noBid && random.next() < 0.8) {
      const competitor = random.next() * 5;
      bidder.recordOutcome({
        decisionId: d.decisionId,
        won: d.bidCpm >= competitor,
        priceCpm: d.bidCpm >= competitor ? (d.auctionType === 1 ? d.bidCpm : competitor) : undefined,
        minBidToWinCpm: random.next() < 0.5 ? competitor : undefined,
      });
    }
  }
  return out;
}

describe("serialisable state", () => {
  for (const controller of ["dual", "throttle", "pi"] as const) {
    it(`a bidder restored from toJSON() continues with exactly the same decisions (${controller})`, () => {
      const clockA = manualClock(0);
      const a = createBidder(options(clockA, controller));
      drive(a, clockA, 1, 600);
      const state = JSON.parse(JSON.stringify(a.toJSON()));
      const clockB = manualClock(clockA.now());
      const b = createBidder({ ...options(clockB, controller), state });
      expect(b.toJSON()).toEqual(a.toJSON());
      const nextA = drive(a, clockA, 2, 600).map((d) => JSON.parse(JSON.stringify(d)));
      const nextB = drive(b, clockB, 2, 600).map((d) => JSON.parse(JSON.stringify(d)));
      expect(nextB).toEqual(nextA);
      expect(b.toJSON()).toEqual(a.toJSON());
      // The runs did something worth comparing.
      expect(nextA.filter((d) => !d.noBid).length).toBeGreaterThan(50);
      if (controller === "throttle") expect(nextA.some((d) => d.reason === "throttled")).toBe(true);
    });
  }

  it("is deterministic given a seed, and differs across seeds when randomness is used", () => {
    const run = (seed: number): string => {
      const clock = manualClock(0);
      const bidder = createBidder({ ...options(clock, "throttle"), seed, pacing: { controller: throttlingPacing, throttle: { initialProbability: 0.5 } } });
      return JSON.stringify(drive(bidder, clock, 9, 300).map((d) => d.reason));
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });

  it("still reads a version-1 state (before the cold start and the spend-rate cap) and resumes warm", () => {
    const clock = manualClock(0);
    const a = createBidder(options(clock, "dual"));
    drive(a, clock, 3, 400);
    const { origin: _origin, costShare: _costShare, ...rest } = a.toJSON();
    const v1 = { ...rest, version: 1, window: { start: rest.window.start, spend: rest.window.spend, remainingAtStart: rest.window.remainingAtStart } };
    const b = createBidder({ ...options(manualClock(clock.now()), "dual"), state: JSON.parse(JSON.stringify(v1)) });
    expect(b.snapshot().spent).toBe(a.snapshot().spent);
    expect(b.snapshot().pacingMultiplier).toBe(a.snapshot().pacingMultiplier);
    // Its cold start is over: it was running before.
    expect(b.snapshot().coldStart).toBe(false);
    expect(b.toJSON().version).toBe(2);
  });

  it("rejects state of another version or another controller", () => {
    const clock = manualClock(0);
    const a = createBidder(options(clock, "dual"));
    expect(() => createBidder({ ...options(clock, "pi"), state: a.toJSON() })).toThrow(/state.pacing.kind/);
    expect(() => createBidder({ ...options(clock, "dual"), state: { ...a.toJSON(), version: 99 } })).toThrow(/state.version/);
  });

  it("keeps the first-price bids that expired unseen, to learn them as losses after a restore, and validates them", () => {
    const clock = manualClock(0);
    const a = createBidder(options(clock, "dual"));
    drive(a, clock, 4, 400);
    clock.advance(120_000); // every pending bid is overdue (outcome timeout 60 s)
    a.bid({ prediction: prediction(), conversionRate: 0.001, auction: { at: 2 } }); // expires them on the bid path
    const state = a.toJSON();
    expect(state.unseenLosses!.length).toBeGreaterThan(0);
    expect(state.unseenLosses!.every((r) => r.auctionType === 1)).toBe(true);
    const b = createBidder({ ...options(manualClock(clock.now()), "dual"), state: JSON.parse(JSON.stringify(state)) });
    expect(b.toJSON().unseenLosses).toEqual(state.unseenLosses);
    // expirePending() learns the queue at once.
    const before = b.snapshot().winRateObservations;
    b.expirePending();
    expect(b.toJSON().unseenLosses).toEqual([]);
    expect(b.snapshot().winRateObservations).toBeGreaterThan(before);
    const bad = { ...state, unseenLosses: [{ ...state.unseenLosses![0]!, rate: -1 }] };
    expect(() => createBidder({ ...options(clock, "dual"), state: bad })).toThrow(/state\.unseenLosses\.rate/);
  });
});
