// Diagnostic: the default bidder's learned first-price landscape over a day, hour by hour,
// against what the day's first-price auctions it bid in say with nothing censored.
//
//   npx esbuild bench/auction/landscape-trace.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/landscape-trace.mjs && node .build/bench/landscape-trace.mjs [scenario] [seed]
//
// SHADING='{"halfLife":500}' passes shading options to the default bidder (to compare settings).
// "truth" is a least-squares fit of log(competing bid) on log(the bidder's value) over the first-price
// auctions it bid in that hour, uncensored: what a learned landscape should converge to. At the end:
// the pooled curve's calibration (its P(win) at the shaded bids against the wins), the learned median
// at those bids against the impression's true median, and the pooled curve's quantiles against the
// evening's true competing bids on the same value-normalised scale.
import { generateAuctionDay, hourlyTrafficWeights, market } from "./auction-generator.js";
import { scenarios } from "./auction-scenarios.js";
import { bidRequestOf, createSimulatedBidder, simulateDay } from "./simulate-day.js";
import { NoticeQueue } from "./notice-queue.js";
import { trueLandscapeBid } from "./true-landscape-bid.js";

function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
function trueLandscapeBidWith(paced: number, e: { floorCpm: number; competitorMedianCpm: number }, sigma: number): number {
  if (paced <= e.floorCpm) return paced;
  let best = paced;
  let bestSurplus = -1;
  for (let k = 0; k <= 400; k++) {
    const b = e.floorCpm + ((paced - e.floorCpm) * k) / 400;
    const s = b < e.floorCpm ? 0 : (paced - b) * normalCdf(Math.log(b / e.competitorMedianCpm) / sigma);
    if (s > bestSurplus) [bestSurplus, best] = [s, b];
  }
  return best;
}
import { defaultBudgetShare } from "./simulation-unit.js";
import { CompetingBidSlope, WinRateModel, type BidderOptions, type BidderState } from "../../src/bid/index.js";

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
const bidder = createSimulatedBidder(budget, () => clock, { ...options, warmStart: warm });
const notices = new NoticeQueue();
const setClock = (t: number): void => {
  clock = t;
};
let xs: number[] = [];
let ys: number[] = [];
/** log(own bid / the true landscape's bid) of this hour's shaded first-price bids. */
let gaps: number[] = [];
const locs: number[] = [];
const rel: number[] = [];
/** Per decile of the pooled curve's P(win) at the bid: sum of P, wins, count, wins against the competing bid alone. */
const calibration = Array.from({ length: 10 }, () => [0, 0, 0, 0]);
/** The evening's first-price auctions bid in, to set against the pooled curve at the end of the day. */
const scaled: Array<{ value: number; price: number }> = [];
let keptValue = 0;
let fpValue = 0;
let bidsFp = 0;
let outcomes = 0;
let hour = 0;
const mean = (a: number[]): number => (a.length === 0 ? NaN : a.reduce((p, q) => p + q, 0) / a.length);
const report = (h: number): void => {
  const f = fitOf(bidder.toJSON());
  const o = xs.length > 10 ? ols(xs, ys) : undefined;
  const at = (x: number): string => (o ? Math.exp(o.intercept + o.slope * x).toFixed(2) : "-");
  const learnedAt = (x: number): string => Math.exp(f.location + f.slope * (x - f.xMean)).toFixed(2);
  console.log(
    `${String(h).padStart(2)}h n=${f.n.toFixed(0).padStart(5)} learned slope ${f.slope.toFixed(3)} sigma ${f.sigma.toFixed(2)} ` +
      `median@x=${f.xMean.toFixed(2)} ${Math.exp(f.location).toFixed(2)} pooled-median ${medianOf(bidder.toJSON()).toFixed(2)} | ` +
      `truth(bid-in, this hour: ${xs.length}) slope ${o?.slope.toFixed(3) ?? "-"} sigma ${o?.sigma.toFixed(2) ?? "-"} ` +
      `median@same x ${at(f.xMean)} learned@x+1 ${learnedAt(f.xMean + 1)} truth@x+1 ${at(f.xMean + 1)} | fp bids ${bidsFp} outcomes ${outcomes} | ` +
      `log(bid / true-landscape bid) mean ${mean(gaps).toFixed(3)} sd ${Math.sqrt(mean(gaps.map((g) => g * g)) - mean(gaps) ** 2).toFixed(3)}`,
  );
  xs = [];
  ys = [];
  gaps = [];
};
for (const e of day.events) {
  const h = Math.floor(e.time / 3_600_000);
  while (h > hour) report(++hour - 1);
  outcomes += notices.deliverUntil(e.time, bidder, setClock);
  const request = bidRequestOf(e);
  clock = request.at;
  const d = bidder.bid(request.input);
  if (d.noBid) continue;
  const toWin = Math.max(e.competitorCpm, e.floorCpm);
  const won = d.bidCpm >= toWin;
  if (e.at === 1) {
    bidsFp++;
    const rate = e.currency === "EUR" ? market.eurRate : 1;
    xs.push(Math.log(d.valueCpm));
    ys.push(Math.log(e.competitorCpm * rate));
    const gap = Math.log(d.bidCpm / trueLandscapeBid(d.pacedCpm / rate, e));
    if (d.shaded && Number.isFinite(gap)) gaps.push(gap);
    if (d.shaded) {
      const st = bidder.toJSON();
      const sl = new CompetingBidSlope(500, 20, st.winRateSlope);
      locs.push(Math.log(medianOf(st) / sl.scaleOf(d.valueCpm) / (e.competitorMedianCpm * rate)));
      // The bid a log-normal landscape around the learned median with the learned spread would make.
      const median = medianOf(st) / sl.scaleOf(d.valueCpm) / rate;
      const fake = { ...e, competitorMedianCpm: median };
      rel.push(Math.log(d.bidCpm / trueLandscapeBidWith(d.pacedCpm / rate, fake, sl.spread())));
      const pooled = new WinRateModel({}, st.winRate);
      const bidScaled = d.bidCpm * rate * sl.scaleOf(d.valueCpm);
      const p = pooled.winProbability(bidScaled);
      const bucket = Math.min(9, Math.floor(p * 10));
      calibration[bucket]![0] += p;
      calibration[bucket]![1] += d.bidCpm >= Math.max(e.competitorCpm, e.floorCpm) ? 1 : 0;
      calibration[bucket]![2] += 1;
      calibration[bucket]![3] += d.bidCpm >= e.competitorCpm ? 1 : 0;
    }
    if (e.time >= 18 * 3_600_000) scaled.push({ value: d.valueCpm, price: e.competitorCpm * rate });
    if (d.pacedCpm >= toWin) {
      keptValue += e.trueConversion * e.trueLtv;
    }
    if (won) fpValue += e.trueConversion * e.trueLtv;
  }
  notices.addOutcome(e, d.decisionId, clock, won ? (e.at === 1 ? d.bidCpm : toWin) : undefined, toWin);
}
report(23);
{
  for (const [p, w, n, c] of calibration) if (n! > 0) console.log(`  predicted P(win) ${(p! / n!).toFixed(3)}: won ${(w! / n!).toFixed(3)}, beat the competing bid ${(c! / n!).toFixed(3)} (${n})`);
}
console.log(`log(learned median / true median) at shaded bids: mean ${mean(locs).toFixed(3)}; log(own bid / log-normal bid around the learned median, learned spread) mean ${mean(rel).toFixed(3)}`);
{
  // The pooled curve holds prices scaled to a typical impression's: its quantiles against the evening's true
  // competing bids scaled the same way (by the end-of-day fit), uncensored.
  const state = bidder.toJSON();
  const slope = new CompetingBidSlope(500, 20, state.winRateSlope);
  const truth = scaled.map((a) => Math.log(a.price * slope.scaleOf(a.value))).sort((p, q) => p - q);
  const w = state.winRate!.weights;
  const total = w.reduce((p, q) => p + q, 0);
  const learnedQuantile = (q: number): number => {
    let c = 0;
    for (let i = 0; i < w.length; i++) {
      if (c + w[i]! >= q * total) return Math.log(0.01) + ((i + (q * total - c) / w[i]!) * Math.log(1000 / 0.01)) / w.length;
      c += w[i]!;
    }
    return NaN;
  };
  const qs = [0.1, 0.25, 0.5, 0.75, 0.9];
  console.log(`scaled log-price quantiles ${qs.join("/")}: learned ${qs.map((q) => learnedQuantile(q).toFixed(2)).join(" ")}; ` +
    `truth ${qs.map((q) => truth[Math.floor(q * truth.length)]!.toFixed(2)).join(" ")} (slope ${slope.slope().toFixed(3)})`);
}
console.log(`first-price value won ${fpValue.toFixed(1)} of ${keptValue.toFixed(1)} reachable unshaded (${(fpValue / keptValue).toFixed(3)})`);
