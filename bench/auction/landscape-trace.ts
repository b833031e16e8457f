// Diagnostic: the default bidder's learned first-price landscape over a day, hour by hour,
// against what the day's first-price auctions it bid in say with nothing censored.
//
//   npx esbuild bench/auction/landscape-trace.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/landscape-trace.mjs && node .build/bench/landscape-trace.mjs [scenario] [seed]
//
// SHADING='{"halfLife":500}' passes shading options to the default bidder (to compare settings).
// "truth" is a least-squares fit of log(competing bid) on log(the bidder's value) over the first-price
// auctions it bid in that hour, uncensored: what a learned landscape should converge to.
import { generateAuctionDay, hourlyTrafficWeights, market } from "./auction-generator.js";
import { scenarios } from "./auction-scenarios.js";
import { simulateDay } from "./simulate-day.js";
import { defaultBudgetShare } from "./simulation-unit.js";
import { createBidder, type BidderOptions, type BidderState } from "../../src/bid/index.js";

const scenarioId = process.argv[2] ?? "value-correlated";
const seed = Number(process.argv[3] ?? 1);
const scenario = scenarios.find((s) => s.id === scenarioId)!;
const stationary = scenarios[0]!;
const day = generateAuctionDay(seed, scenario, 40_000);
const base = generateAuctionDay(seed, stationary, 40_000);
const budget = (scenario.budgetShare ?? defaultBudgetShare) * base.worthwhileCost;
const options: Partial<BidderOptions> = { pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } }, ...(process.env.SHADING ? { shading: JSON.parse(process.env.SHADING) } : {}) };
const yesterday = generateAuctionDay(seed + 100_000, stationary, 40_000);
const warm = simulateDay(yesterday.events, budget, options, 0).finalState;

/** The fit a CompetingBidSlope derives from its sums (slope, location at the mean x, spread, mean x). */
function fitOf(state: BidderState): { slope: number; location: number; sigma: number; xMean: number; n: number } {
  const [n, sx, sxx, sy, sxy, syy] = state.winRateSlope!.sums as [number, number, number, number, number, number];
  const xm = sx / n;
  const ym = sy / n;
  const cxx = sxx - n * xm * xm;
  const cxy = sxy - n * xm * ym;
  const cyy = syy - n * ym * ym;
  const slope = cxy / (cxx + 20);
  const sigma = Math.sqrt(Math.max(0, cyy - 2 * slope * cxy + slope * slope * cxx) / n);
  return { slope, location: ym, sigma, xMean: xm, n };
}

/** Least squares of y on x with its residual spread. */
function ols(xs: number[], ys: number[]): { slope: number; intercept: number; sigma: number; xMean: number } {
  const n = xs.length;
  const xm = xs.reduce((a, b) => a + b, 0) / n;
  const ym = ys.reduce((a, b) => a + b, 0) / n;
  let cxx = 0;
  let cxy = 0;
  let cyy = 0;
  for (let i = 0; i < n; i++) {
    cxx += (xs[i]! - xm) ** 2;
    cxy += (xs[i]! - xm) * (ys[i]! - ym);
    cyy += (ys[i]! - ym) ** 2;
  }
  const slope = cxy / cxx;
  return { slope, intercept: ym - slope * xm, sigma: Math.sqrt(Math.max(0, cyy - slope * cxy) / n), xMean: xm };
}

/** Pooled curve's median (scaled prices). */
function medianOf(state: BidderState): number {
  const w = state.winRate!.weights;
  const total = w.reduce((a, b) => a + b, 0);
  let c = 0;
  for (let i = 0; i < w.length; i++) {
    c += w[i]!;
    if (c >= total / 2) return Math.exp(Math.log(0.01) + ((i + 0.5) * Math.log(1000 / 0.01)) / w.length);
  }
  return NaN;
}

let clock = 0;
const bidder = createBidder({
  budget: { amount: budget, periodStart: 0, periodEnd: market.dayMs },
  currency: "USD",
  currencyRates: { EUR: market.eurRate },
  now: () => clock,
  seed: 7,
  networkMarginMs: 20,
  ...options,
  warmStart: warm,
});
interface Notice { due: number; id: string; won: boolean; price: number | undefined; min: number | undefined }
const queue: Notice[] = [];
let xs: number[] = [];
let ys: number[] = [];
let keptValue = 0;
let fpValue = 0;
let bidsFp = 0;
let outcomes = 0;
let hour = 0;
const report = (h: number): void => {
  const f = fitOf(bidder.toJSON());
  const o = xs.length > 10 ? ols(xs, ys) : undefined;
  const at = (x: number): string => (o ? Math.exp(o.intercept + o.slope * x).toFixed(2) : "-");
  const learnedAt = (x: number): string => Math.exp(f.location + f.slope * (x - f.xMean)).toFixed(2);
  console.log(
    `${String(h).padStart(2)}h n=${f.n.toFixed(0).padStart(5)} learned slope ${f.slope.toFixed(3)} sigma ${f.sigma.toFixed(2)} ` +
      `median@x=${f.xMean.toFixed(2)} ${Math.exp(f.location).toFixed(2)} pooled-median ${medianOf(bidder.toJSON()).toFixed(2)} | ` +
      `truth(bid-in, this hour: ${xs.length}) slope ${o?.slope.toFixed(3) ?? "-"} sigma ${o?.sigma.toFixed(2) ?? "-"} ` +
      `median@same x ${at(f.xMean)} learned@x+1 ${learnedAt(f.xMean + 1)} truth@x+1 ${at(f.xMean + 1)} | fp bids ${bidsFp} outcomes ${outcomes}`,
  );
  xs = [];
  ys = [];
};
for (const e of day.events) {
  const h = Math.floor(e.time / 3_600_000);
  while (h > hour) report(++hour - 1);
  while (queue.length > 0 && queue[0]!.due <= e.time) {
    const n = queue.shift()!;
    clock = n.due;
    bidder.recordOutcome({ decisionId: n.id, won: n.won, priceCpm: n.price, minBidToWinCpm: n.min });
    outcomes++;
  }
  const deadline = e.time + e.tmax - 20;
  const arrived = e.prediction !== undefined && e.time + e.predictionLatencyMs <= deadline;
  clock = arrived ? e.time + e.predictionLatencyMs : e.prediction === undefined ? e.time + 1 : deadline;
  const d = bidder.bid({
    prediction: arrived ? e.prediction : undefined,
    conversionRate: e.estimatedConversion,
    platform: e.platform,
    auction: { at: e.at, bidfloor: e.floorCpm, bidfloorcur: e.currency, tmax: e.tmax, startedAt: e.time },
  });
  if (d.noBid) continue;
  const toWin = Math.max(e.competitorCpm, e.floorCpm);
  const won = d.bidCpm >= toWin;
  if (e.at === 1) {
    bidsFp++;
    const rate = e.currency === "EUR" ? market.eurRate : 1;
    xs.push(Math.log(d.valueCpm));
    ys.push(Math.log(e.competitorCpm * rate));
    if (d.pacedCpm >= toWin) {
      keptValue += e.trueConversion * e.trueLtv;
    }
    if (won) fpValue += e.trueConversion * e.trueLtv;
  }
  if (won || e.lossNoticeSent) {
    const n = { due: clock + e.noticeDelayMs, id: d.decisionId, won, price: won ? (e.at === 1 ? d.bidCpm : toWin) : undefined, min: e.minBidToWinSent ? toWin : undefined };
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.due > n.due) i--;
    queue.splice(i, 0, n);
  }
}
report(23);
console.log(`first-price value won ${fpValue.toFixed(1)} of ${keptValue.toFixed(1)} reachable unshaded (${(fpValue / keptValue).toFixed(3)})`);
