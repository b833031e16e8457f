// Diagnostic: where the budget goes on the traffic-surge day (arrivals x3 from 17:00 to 20:00). Runs the
// default's pacing with perfect shading (`ref:price-to-win`: pacing alone) on each seed twice, warm-started
// from a stationary day (the surge is a surprise, as in the report's `default`) and from a surge day of
// another seed (the surge foreseen, `ref:yesterday-alike`), and prints the share of the budget each spends
// before, during and after the surge beside the hindsight-multiplier reference's, with value ÷ reference.
//
//   npx esbuild bench/auction/surge-trace.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/surge-trace.mjs && node .build/bench/surge-trace.mjs [seeds, e.g. 1-10]
import { generateAuctionDay } from "./auction-generator.js";
import { scenarios } from "./auction-scenarios.js";
import { baselines } from "./bidder-baselines.js";
import { hindsightMultiplier } from "./hindsight-optimum.js";
import { checkpointCount, simulateDay } from "./simulate-day.js";
import { defaultBudgetShare } from "./simulation-unit.js";

const [from, to] = (process.argv[2] ?? "1-10").split("-").map(Number) as [number, number | undefined];
const surge = scenarios.find((s) => s.id === "traffic-surge")!;
const stationary = scenarios[0]!;
const { from: surgeFrom, to: surgeTo } = surge.supplyDip!;
// The options of `ref:price-to-win` (the default's pacing, the bidder unshaded: the simulation pays the price to win).
const options = baselines.find((b) => b.id === "ref:price-to-win")!.options;
const hourMs = 3_600_000;
const perHour = checkpointCount / 24;

/** Shares of the budget spent before, during and after the surge, and value ÷ reference; summed over seeds. */
type Row = { before: number; during: number; after: number; vsReference: number };
const rows: Record<"reference" | "surprise" | "foreseen", Row> = {
  reference: { before: 0, during: 0, after: 0, vsReference: 0 },
  surprise: { before: 0, during: 0, after: 0, vsReference: 0 },
  foreseen: { before: 0, during: 0, after: 0, vsReference: 0 },
};
const last = to ?? from;
for (let seed = from; seed <= last; seed++) {
  const day = generateAuctionDay(seed, surge, 40_000);
  const budget = defaultBudgetShare * generateAuctionDay(seed, stationary, 40_000).worthwhileCost;
  const ref = rows.reference;
  const reference = hindsightMultiplier(day.events, budget, "own_estimates", (time, spend) => {
    const hour = time / hourMs;
    if (hour < surgeFrom) ref.before += spend / budget;
    else if (hour < surgeTo) ref.during += spend / budget;
    else ref.after += spend / budget;
  });
  ref.vsReference += 1;
  for (const [row, before] of [["surprise", stationary], ["foreseen", surge]] as const) {
    const yesterday = generateAuctionDay(seed + 100_000, before, 40_000);
    const warm = simulateDay(yesterday.events, budget, options, 0, "price_to_win").finalState;
    const r = simulateDay(day.events, budget, { ...options, warmStart: warm }, 0, "price_to_win");
    const at = (hour: number) => (r.spendCurve[hour * perHour - 1] ?? 0) / budget;
    rows[row].before += at(surgeFrom);
    rows[row].during += at(surgeTo) - at(surgeFrom);
    rows[row].after += at(24) - at(surgeTo);
    rows[row].vsReference += r.value / reference.value;
  }
}
const n = last - from + 1;
console.log(`traffic-surge, seeds ${from}-${last}: share of the budget spent (mean over seeds), pacing alone`);
console.log(`${"".padEnd(34)} before ${surgeFrom}:00  ${surgeFrom}:00-${surgeTo}:00  after ${surgeTo}:00  value ÷ reference`);
const label = { reference: "hindsight-multiplier reference", surprise: "default, yesterday stationary", foreseen: "default, yesterday a surge day" };
for (const [k, r] of Object.entries(rows) as Array<[keyof typeof rows, Row]>) {
  const f = (x: number) => (x / n).toFixed(3).padStart(11);
  console.log(`${label[k].padEnd(34)}${f(r.before)}${f(r.during)}${f(r.after)}${f(r.vsReference)}`);
}
