import type { AuctionEvent } from "./auction-generator.js";
import { market } from "./auction-generator.js";

/**
 * The hindsight optimum: knowing every true value and every price to win,
 * buy impressions in decreasing order of value per cost until the budget is
 * spent (the fractional knapsack, i.e. the linear relaxation). It bounds
 * what any bidder could win, so `1 - value / optimum` is an upper bound on
 * regret's share.
 */
export function hindsightOptimum(events: readonly AuctionEvent[], budget: number): number {
  const items: Array<{ value: number; cost: number }> = [];
  for (const e of events) {
    const rate = e.currency === "EUR" ? market.eurRate : 1;
    const cost = (Math.max(e.competitorCpm, e.floorCpm) * rate) / 1000;
    const value = e.trueConversion * e.trueLtv;
    if (value > 0) items.push({ value, cost });
  }
  items.sort((a, b) => b.value / b.cost - a.value / a.cost);
  let left = budget;
  let total = 0;
  for (const it of items) {
    if (it.value <= it.cost) break; // never worth buying at a loss
    if (it.cost <= left) {
      left -= it.cost;
      total += it.value;
    } else {
      total += (it.value * left) / it.cost;
      break;
    }
  }
  return total;
}
