// Diagnostic: what the cold start costs in midday-cold-start. Runs the default's pacing with perfect
// shading (`ref:price-to-win`: pacing alone) on each seed twice, created at 12:00 fresh (a cold start)
// and warm-started from its own state at the end of a stationary day of another seed (the same budget),
// and prints value ÷ the hindsight-multiplier reference, the share of the budget spent in the first
// ten minutes (the cold start) and the value per dollar bought there against the whole run's.
//
//   npx esbuild bench/auction/cold-start-trace.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/cold-start-trace.mjs && node .build/bench/cold-start-trace.mjs [seeds, e.g. 1-10]
import type { BidderOptions, BidderState } from "../../src/bid/index.js";
import { generateAuctionDay, hourlyTrafficWeights, market, type AuctionEvent } from "./auction-generator.js";
import { scenarios } from "./auction-scenarios.js";
import { hindsightMultiplier } from "./hindsight-optimum.js";
import { NoticeQueue } from "./notice-queue.js";
import { bidRequestOf, createSimulatedBidder, simulateDay } from "./simulate-day.js";

const [from, to] = (process.argv[2] ?? "1-10").split("-").map(Number) as [number, number | undefined];
const scenario = scenarios.find((s) => s.id === "midday-cold-start")!;
const startAt = scenario.startHour! * 3_600_000;
const coldMs = 10 * 60_000;
const options: Partial<BidderOptions> = {
  pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } },
  shading: false,
};

interface Trace {
  value: number;
  spend: number;
  coldValue: number;
  coldSpend: number;
}

/** simulateDay's loop, price-to-win for every win, with the first ten minutes' value and spend apart. */
function run(events: readonly AuctionEvent[], budget: number, warmStart: BidderState | undefined): Trace {
  let clock = startAt;
  const bidder = createSimulatedBidder(budget, () => clock, { ...options, warmStart });
  const notices = new NoticeQueue();
  const setClock = (t: number): void => {
    clock = t;
  };
  const out: Trace = { value: 0, spend: 0, coldValue: 0, coldSpend: 0 };
  for (const e of events) {
    if (e.time < startAt) continue;
    notices.deliverUntil(e.time, bidder, setClock);
    const request = bidRequestOf(e);
    clock = request.at;
    const d = bidder.bid(request.input);
    if (d.noBid) continue;
    const toWin = Math.max(e.competitorCpm, e.floorCpm);
    const won = d.bidCpm >= toWin;
    if (won) {
      const cost = (toWin / 1000) * (e.currency === "EUR" ? market.eurRate : 1);
      const value = e.trueConversion * e.trueLtv;
      out.spend += cost;
      out.value += value;
      if (e.time < startAt + coldMs) {
        out.coldSpend += cost;
        out.coldValue += value;
      }
    }
    notices.addOutcome(e, d.decisionId, clock, won ? toWin : undefined, toWin);
  }
  return out;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows: Array<{ cold: number; warm: number }> = [];
console.log("seed | cold: ÷ref, first 10 min spend share, value/$ there, value/$ overall | warm: the same");
for (let seed = from; seed <= (to ?? from); seed++) {
  const day = generateAuctionDay(seed, scenario, 40_000);
  const budget = scenario.budgetShare! * generateAuctionDay(seed, scenarios[0]!, 40_000).worthwhileCost;
  const reference = hindsightMultiplier(day.events.filter((e) => e.time >= startAt), budget).value;
  const yesterday = generateAuctionDay(seed + 100_000, scenarios[0]!, 40_000);
  const warmState = simulateDay(yesterday.events, budget, options, 0, "price_to_win").finalState;
  const cold = run(day.events, budget, undefined);
  const warm = run(day.events, budget, warmState);
  const fmt = (t: Trace): string =>
    `${(t.value / reference).toFixed(3)} ${((100 * t.coldSpend) / budget).toFixed(2)}% ${(t.coldValue / Math.max(t.coldSpend, 1e-12)).toFixed(0)} ${(t.value / t.spend).toFixed(0)}`;
  console.log(`${seed} | ${fmt(cold)} | ${fmt(warm)}`);
  rows.push({ cold: cold.value / reference, warm: warm.value / reference });
}
console.log(`mean ÷ref: cold ${mean(rows.map((r) => r.cold)).toFixed(4)}, warm ${mean(rows.map((r) => r.warm)).toFixed(4)}`);
