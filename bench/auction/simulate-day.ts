import { createBidder, deliverySchedule, type BidInput, type Bidder, type BidderOptions, type BidderState } from "../../src/bid/index.js";
import { hourlyTrafficWeights, market, type AuctionEvent } from "./auction-generator.js";
import type { Baseline } from "./bidder-baselines.js";
import { ownValueLandscapeBid, type OwnValueLandscape } from "./own-value-landscape.js";
import { NoticeQueue } from "./notice-queue.js";
import { trueLandscapeBid } from "./true-landscape-bid.js";

/** Spend checkpoints per day (every 15 minutes). */
export const checkpointCount = 96;

/** What one bidder achieved on one day. */
export interface DayResult {
  /** Expected true value of the impressions won (sum of true p x true LTV), USD. */
  value: number;
  /** The part of `value` won in first-price auctions. */
  firstPriceValue: number;
  /** Conversions realised on won impressions. */
  conversions: number;
  /** Sum of the true conversion probabilities of won impressions (a low-noise conversion count). */
  expectedConversions: number;
  /** True spend, USD, as the exchange billed it. */
  spend: number;
  budget: number;
  /** True spend above the budget, USD (must be 0). */
  overspend: number;
  wins: number;
  bids: number;
  auctions: number;
  /** Mean absolute gap between the cumulative spend share and the plan, over the checkpoints. */
  pacingError: number;
  /** Cumulative true spend at each checkpoint (end of each 15-minute slice). */
  spendCurve: number[];
  /** Decision time of every `bid()` call, microseconds. */
  decisionMicros: Float64Array;
  /** How often each reason occurred. */
  reasons: Record<string, number>;
  /** The bidder's state at the end of the day (what tomorrow's bidder starts warm from). */
  finalState: BidderState;
}

/** The network margin the simulated bidders keep back from tmax (the option's default). */
const networkMarginMs = 20;

/**
 * A bidder on the simulated market's day, its clock read from `now` (the
 * simulation moves it), with `options` on top. Every simulated bidder and
 * diagnostic starts here.
 */
export function createSimulatedBidder(budget: number, now: () => number, options: Partial<BidderOptions> = {}): Bidder {
  return createBidder({
    budget: { amount: budget, periodStart: 0, periodEnd: market.dayMs },
    currency: "USD",
    currencyRates: { EUR: market.eurRate },
    now,
    seed: 7,
    networkMarginMs,
    ...options,
  });
}

/**
 * What the caller of `bid()` asks for one auction, and when: once the
 * prediction has arrived, or at the deadline (tmax less the network margin)
 * if it comes later, or at once when there is none.
 */
export function bidRequestOf(e: AuctionEvent): { at: number; input: BidInput } {
  const deadline = e.time + e.tmax - networkMarginMs;
  const arrived = e.prediction !== undefined && e.time + e.predictionLatencyMs <= deadline;
  return {
    at: arrived ? e.time + e.predictionLatencyMs : e.prediction === undefined ? e.time + 1 : deadline,
    input: {
      prediction: arrived ? e.prediction : undefined,
      conversionRate: e.estimatedConversion,
      platform: e.platform,
      auction: { at: e.at, bidfloor: e.floorCpm, bidfloorcur: e.currency, tmax: e.tmax, startedAt: e.time },
    },
  };
}

/**
 * Runs one bidder over a day of auctions, delivering win and loss notices late (or never) as the day dictates.
 * The bidder is created at `startAt` (ms since midnight) and sees only the auctions from then on.
 * `firstPrice` makes it a diagnostic reference (see {@link Baseline.firstPrice}; `own_value_landscape`
 * comes as its fitted landscape): the simulation then sets first-price bids from the bidder's
 * (unshaded) paced bid, never above it. `onFirstPriceValue` sees every first-price auction the
 * bidder valued, with its value (USD CPM), bid or not (what {@link fitOwnValueLandscape} fits on).
 */
export function simulateDay(
  events: readonly AuctionEvent[],
  budget: number,
  extra: Partial<BidderOptions>,
  startAt = 0,
  firstPrice?: Exclude<Baseline["firstPrice"], "own_value_landscape"> | OwnValueLandscape,
  onFirstPriceValue?: (valueCpm: number, e: AuctionEvent) => void,
): DayResult {
  let clock = startAt;
  const plan = deliverySchedule({ kind: "traffic_shaped", hourlyWeights: hourlyTrafficWeights() });
  const bidder = createSimulatedBidder(budget, () => clock, { ...extra, pacing: { plan, ...extra.pacing } });
  const curve = plan.curve;
  const notices = new NoticeQueue();
  const setClock = (t: number): void => {
    clock = t;
  };

  const result: DayResult = {
    value: 0,
    firstPriceValue: 0,
    conversions: 0,
    expectedConversions: 0,
    spend: 0,
    budget,
    overspend: 0,
    wins: 0,
    bids: 0,
    auctions: events.length,
    pacingError: 0,
    spendCurve: new Array<number>(checkpointCount).fill(0),
    decisionMicros: new Float64Array(events.length),
    reasons: {},
    finalState: undefined as unknown as BidderState,
  };
  const slice = market.dayMs / checkpointCount;
  let nextCheckpoint = 0;
  const closeCheckpointsBefore = (t: number): void => {
    while (nextCheckpoint < checkpointCount && (nextCheckpoint + 1) * slice <= t) {
      result.spendCurve[nextCheckpoint++] = result.spend;
    }
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.time < startAt) continue;
    closeCheckpointsBefore(e.time);
    notices.deliverUntil(e.time, bidder, setClock);
    // The caller waits for the prediction or the deadline, whichever comes first.
    const { at, input } = bidRequestOf(e);
    clock = at;
    const started = performance.now();
    const d = bidder.bid(input);
    result.decisionMicros[i] = (performance.now() - started) * 1000;
    result.reasons[d.reason] = (result.reasons[d.reason] ?? 0) + 1;
    if (onFirstPriceValue !== undefined && e.at === 1 && d.valueCpm > 0) onFirstPriceValue(d.valueCpm, e);
    if (d.noBid) continue;
    result.bids++;
    const toWin = Math.max(e.competitorCpm, e.floorCpm);
    // The references' first-price bids stay at or below the bidder's, so its reservation still covers them.
    const bidCpm =
      e.at !== 1 || firstPrice === undefined || firstPrice === "price_to_win"
        ? d.bidCpm
        : firstPrice === "true_landscape"
          ? trueLandscapeBid(d.bidCpm, e)
          : ownValueLandscapeBid(d.bidCpm, d.valueCpm, e, firstPrice);
    const won = bidCpm >= toWin;
    const rate = e.currency === "EUR" ? market.eurRate : 1;
    const priceCpm = won ? (e.at === 1 && firstPrice !== "price_to_win" ? bidCpm : toWin) : undefined;
    if (won) {
      result.wins++;
      result.spend += (priceCpm! / 1000) * rate;
      result.value += e.trueConversion * e.trueLtv;
      if (e.at === 1) result.firstPriceValue += e.trueConversion * e.trueLtv;
      result.expectedConversions += e.trueConversion;
      if (e.conversionDraw < e.trueConversion) result.conversions++;
    }
    notices.addOutcome(e, d.decisionId, clock, priceCpm, toWin);
  }
  notices.deliverUntil(Number.POSITIVE_INFINITY, bidder, setClock);
  closeCheckpointsBefore(Number.POSITIVE_INFINITY);
  result.overspend = Math.max(0, result.spend - budget);
  let gap = 0;
  for (let k = 0; k < checkpointCount; k++) {
    gap += Math.abs(result.spendCurve[k]! / budget - curve((k + 1) / checkpointCount));
  }
  result.pacingError = gap / checkpointCount;
  result.finalState = bidder.toJSON();
  return result;
}
