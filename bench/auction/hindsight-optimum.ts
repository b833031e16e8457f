import { riskAdjustedLtv } from "../../src/bid/index.js";
import type { AuctionEvent } from "./auction-generator.js";
import { market } from "./auction-generator.js";
import { trueLandscapeBid } from "./true-landscape-bid.js";

/** What a hindsight policy wins: true value, in total and by auction type, and what it pays. */
export interface HindsightValue {
  value: number;
  firstPriceValue: number;
  secondPriceValue: number;
  spend: number;
}

interface Item {
  /** What the policy ranks by (true value, or the bidder's own estimate). */
  score: number;
  /** True value won. */
  value: number;
  /** Price to win, USD. */
  cost: number;
  /** The auction (its type and time, and what a first-price bid rule reads). */
  event: AuctionEvent;
}

/** Called for each item a hindsight policy buys: when, and what it pays (the last one's share). */
export type OnBuy = (time: number, spend: number) => void;

/**
 * Buys items in decreasing order of score per cost, while the score covers
 * the cost (a multiplier <= 1) and the budget lasts, the last one
 * fractionally. With one multiplier `m` for the day, "buy when m x score >=
 * cost, pay the cost" buys exactly such a prefix, so this is also the best
 * single multiplier in hindsight, paying the price to win (perfect shading).
 */
function greedy(items: Item[], budget: number, onBuy?: OnBuy): HindsightValue {
  items.sort((a, b) => b.score / b.cost - a.score / a.cost);
  let left = budget;
  const out: HindsightValue = { value: 0, firstPriceValue: 0, secondPriceValue: 0, spend: 0 };
  for (const it of items) {
    if (it.score <= it.cost) break; // never worth buying at a loss
    const share = it.cost <= left ? 1 : left / it.cost;
    out.value += it.value * share;
    out.spend += it.cost * share;
    onBuy?.(it.event.time, it.cost * share);
    if (it.event.at === 1) out.firstPriceValue += it.value * share;
    else out.secondPriceValue += it.value * share;
    left -= it.cost * share;
    if (share < 1) break;
  }
  return out;
}

const costOf = (e: AuctionEvent): number =>
  (Math.max(e.competitorCpm, e.floorCpm) * (e.currency === "EUR" ? market.eurRate : 1)) / 1000;

/**
 * The hindsight optimum: knowing every true value and every price to win,
 * buy impressions in decreasing order of value per cost until the budget is
 * spent (the fractional knapsack, i.e. the linear relaxation). It bounds
 * what any bidder could win, so `1 - value / optimum` is an upper bound on
 * regret's share.
 */
export function hindsightOptimum(events: readonly AuctionEvent[], budget: number): HindsightValue {
  const items: Item[] = [];
  for (const e of events) {
    const value = e.trueConversion * e.trueLtv;
    if (value > 0) items.push({ score: value, value, cost: costOf(e), event: e });
  }
  return greedy(items, budget);
}

/**
 * What the hindsight-multiplier policy ranks impressions by. `own_estimates`
 * is the reference; the other two swap in the truth, one input at a time, so
 * the report can say which estimate costs what against the knapsack bound.
 * - `own_estimates`: the bidder's conversion estimate x the risk-adjusted predicted LTV;
 * - `true_ltv`: the bidder's conversion estimate x the true LTV;
 * - `true_value`: the true value (so only leaving out the auctions without a usable prediction).
 */
export type ReferenceInputs = "own_estimates" | "true_ltv" | "true_value";

/** The items the hindsight-multiplier policies rank: the auctions with a usable prediction, scored by `inputs`. */
function referenceItems(events: readonly AuctionEvent[], inputs: ReferenceInputs): Item[] {
  const items: Item[] = [];
  for (const e of events) {
    const p = e.prediction;
    if (p === undefined || p.status !== 0) continue;
    const value = e.trueConversion * e.trueLtv;
    const score =
      inputs === "true_value"
        ? value
        : e.estimatedConversion * (inputs === "true_ltv" ? e.trueLtv : riskAdjustedLtv(p, "confidence_bounds"));
    if (score > 0) items.push({ score, value, cost: costOf(e), event: e });
  }
  return items;
}

/**
 * The hindsight-multiplier reference: what a bidder that sees only its own
 * estimates (the caller's conversion estimate x the risk-adjusted predicted
 * LTV, as the default bidder values an impression) wins with the day's best
 * single pacing multiplier chosen in hindsight, paying exactly the price to
 * win. Auctions without a usable prediction are left out. The gap from the
 * optimum is what the estimates cost; the gap from it to a bidder is what its
 * pacing and shading cost. `inputs` swaps estimates for the truth and `onBuy`
 * sees each purchase (diagnostics).
 */
export function hindsightMultiplier(
  events: readonly AuctionEvent[],
  budget: number,
  inputs: ReferenceInputs = "own_estimates",
  onBuy?: OnBuy,
): HindsightValue {
  return greedy(referenceItems(events, inputs), budget, onBuy);
}

/**
 * A first-price bid, USD, of a hindsight-multiplier policy that pays its bid: from the
 * multiplied estimate (`pacedUsd`) and the auction.
 */
type FirstPriceBid = (pacedUsd: number, e: AuctionEvent) => number;

/**
 * The best single multiplier in hindsight on the reference's estimates, for a policy whose
 * first-price win costs its bid (`firstPriceBid`, never above the multiplied estimate) rather
 * than the price to win; second-price wins cost the price. The multiplier is found by
 * bisection (spend grows with it, as long as the bid grows with the multiplied estimate); the
 * last item is not bought fractionally, so this is a hair below the exact optimum. Returns
 * the true value won.
 */
function hindsightMultiplierPayingBids(events: readonly AuctionEvent[], budget: number, firstPriceBid: FirstPriceBid): number {
  const items = referenceItems(events, "own_estimates");
  const buy = (multiplier: number): { spend: number; value: number } => {
    let spend = 0;
    let value = 0;
    for (const it of items) {
      const paced = multiplier * it.score;
      if (paced < it.cost) continue; // no bid above the multiplied estimate wins it
      const firstPrice = it.event.at === 1;
      const bid = firstPrice ? firstPriceBid(paced, it.event) : paced;
      if (bid < it.cost) continue;
      spend += firstPrice ? bid : it.cost;
      value += it.value;
    }
    return { spend, value };
  };
  const atFullValue = buy(1);
  if (atFullValue.spend <= budget) return atFullValue.value;
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (buy(mid).spend <= budget) lo = mid;
    else hi = mid;
  }
  return buy(lo).value;
}

/**
 * The hindsight-multiplier reference without shading: the same estimates and
 * the best single multiplier in hindsight, but a first-price win costs its bid
 * (the multiplied estimate), not the price to win. A reading of "the best
 * multiplier in hindsight" that leaves shading out, so a shading bidder can
 * beat it; the report shows it beside the reference for that reason.
 */
export function hindsightMultiplierUnshaded(events: readonly AuctionEvent[], budget: number): number {
  return hindsightMultiplierPayingBids(events, budget, (pacedUsd) => pacedUsd);
}

/**
 * The hindsight-multiplier reference bidding as a bidder must, without seeing the competing
 * bid: the same estimates and the best single multiplier in hindsight, but a first-price bid
 * is shaded against the impression's true distribution of the competing bid
 * ({@link trueLandscapeBid}: the best shading possible without seeing the bid itself) and a
 * win costs that bid. Its gap from the reference is what not seeing the competing bid costs
 * the reference's own policy, on the auctions it buys from.
 */
export function hindsightMultiplierTrueLandscape(events: readonly AuctionEvent[], budget: number): number {
  return hindsightMultiplierPayingBids(events, budget, (pacedUsd, e) => {
    const rate = e.currency === "EUR" ? market.eurRate : 1;
    return (trueLandscapeBid((pacedUsd * 1000) / rate, e) * rate) / 1000;
  });
}
