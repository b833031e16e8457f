// The auction simulation: every scenario x seed x bidder, a Markdown report
// and an SVG chart of cumulative spend against plan.
//
//   npx esbuild bench/auction/run-auction-simulation.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/auction.mjs && node .build/bench/auction.mjs [--quick] [--seeds N] [--auctions N] [--threads N]
//     [--scenarios id,id]
//
// The full run (30 seeds, ~40 000 auctions per day) writes bench/results/;
// --quick (3 seeds, ~5 000 auctions) writes .build/bench/results/ so it never
// overwrites the reference results, and so does --scenarios (only those, plus
// the stationary day the report's base-day sections are about).
import { scenarios } from "./auction-scenarios.js";
import { baselines } from "./bidder-baselines.js";
import { checkTargets, consoleTable, lossBreakdown, markdownReport, scenarioTargets } from "./markdown-report.js";
import { isSimulationWorker, runUnitsInParallel, serveSimulationWorker, type UnitTask } from "./parallel-units-node.js";
import type { UnitResult } from "./simulation-unit.js";
import { spendChartSvg } from "./spend-chart-svg.js";
import { hourlyTrafficWeights } from "./auction-generator.js";
import { checkpointCount } from "./simulate-day.js";
import { compileDeliveryPlan } from "../../src/bid/index.js";
import { writeResultFile } from "./write-results-node.js";

const colors: Record<string, string> = {
  "legacy-30pct": "#d62728",
  truthful: "#ff7f0e",
  throttle: "#8c564b",
  pi: "#9467bd",
  dual: "#1f77b4",
  "dual+shading": "#17becf",
  default: "#2ca02c",
  "ref:yesterday-alike": "#98df8a",
  "ref:own-value-landscape": "#e377c2",
  "ref:true-landscape": "#bcbd22",
  "ref:price-to-win": "#7f7f7f",
};

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const seedCount = Number(argValue(args, "--seeds") ?? (quick ? 3 : 30));
  const auctionsPerDay = Number(argValue(args, "--auctions") ?? (quick ? 5000 : 40_000));
  const threads = Number(argValue(args, "--threads") ?? 2);
  const only = argValue(args, "--scenarios")?.split(",").filter((id) => id.length > 0);
  const unknown = only?.filter((id) => !scenarios.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${scenarios.map((s) => s.id).join(", ")}`);
  const partial = quick || only !== undefined;
  const outDir = argValue(args, "--out") ?? (partial ? ".build/bench/results" : "bench/results");
  if (!(seedCount >= 1) || !(auctionsPerDay >= 100) || !(threads >= 1)) {
    throw new Error("usage: [--quick] [--seeds N>=1] [--auctions N>=100] [--threads N>=1] [--scenarios id,id] [--out DIR]");
  }
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const chosen = only === undefined ? scenarios : scenarios.filter((s) => s.id === "stationary" || only.includes(s.id));
  const tasks: UnitTask[] = chosen.flatMap((s) => seeds.map((seed) => ({ scenario: s.id, seed, auctionsPerDay })));
  const started = performance.now();
  const results: UnitResult[] = [];
  const done = new Map<string, number>();
  console.log(
    `auction simulation: ${chosen.length} scenarios x ${seedCount} seeds x ${baselines.length} bidders, ~${auctionsPerDay} auctions/day, ${threads} thread(s)`,
  );
  await runUnitsInParallel(new URL(import.meta.url), tasks, threads, (r) => {
    results.push(r);
    const n = (done.get(r.scenario) ?? 0) + 1;
    done.set(r.scenario, n);
    if (n === seedCount || (!quick && n % 10 === 0)) {
      console.log(`  ${r.scenario}: ${n}/${seedCount} seeds (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  });
  // Workers finish in any order; sort so the report does not depend on scheduling.
  results.sort((a, b) => scenarios.findIndex((s) => s.id === a.scenario) - scenarios.findIndex((s) => s.id === b.scenario) || a.seed - b.seed);

  const command = `node .build/bench/auction.mjs${quick ? " --quick" : ""}`;
  const report = markdownReport({ command, seeds, auctionsPerDay, quick }, results);
  const stationary = results.filter((u) => u.scenario === "stationary");
  const curve = compileDeliveryPlan({ kind: "traffic_shaped", hourlyWeights: hourlyTrafficWeights() });
  const plan = Array.from({ length: checkpointCount }, (_, k) => curve((k + 1) / checkpointCount));
  const svg = spendChartSvg("Cumulative spend against plan (stationary day, mean over seeds)", [
    { label: "plan (traffic-shaped)", points: plan, color: "#000000", dashed: true },
    ...baselines.map((b) => ({
      label: b.id,
      color: colors[b.id] ?? "#777777",
      points: Array.from({ length: checkpointCount }, (_, k) => {
        let s = 0;
        for (const u of stationary) s += u.runs[b.id]!.spendShareCurve[k]!;
        return s / stationary.length;
      }),
    })),
  ]);
  writeResultFile(`${outDir}/auction-simulation.md`, report);
  writeResultFile(`${outDir}/auction-spend.svg`, svg);
  console.log("");
  console.log(consoleTable(results));
  const check = checkTargets(results);
  console.log("");
  console.log(
    `targets (default, stationary): overspend max ${check.maxOverspend}, utilisation ${(check.utilisation.mean * 100).toFixed(2)}%, ` +
      `value x${check.valueVsLegacy.mean.toFixed(2)} legacy -> ${check.met ? "met" : "NOT met"}`,
  );
  for (const t of scenarioTargets(results)) {
    console.log(
      `  ${t.scenario.padEnd(18)} ÷bound ${t.vsOptimum.mean.toFixed(3)} ÷ref ${t.vsReference.mean.toFixed(3)} ` +
        `(2nd ${t.keptSecondPrice.mean.toFixed(3)}, 1st ${t.keptFirstPrice.mean.toFixed(3)}) overspend ${t.maxOverspend} ` +
        `util ${(t.minUtilisation * 100).toFixed(2)}%min p99 ${t.p99Micros.toFixed(2)}µs`,
    );
  }
  for (const b of lossBreakdown(results)) {
    console.log(
      `  ${b.scenario.padEnd(18)} ref÷bound ${b.referenceVsBound.mean.toFixed(3)} pacing alone ${b.pacingAlone.mean.toFixed(3)} ` +
        `true landscape ${b.trueLandscape.mean.toFixed(3)} (1st ${b.trueLandscapeFirst.mean.toFixed(3)}) ` +
        `own-value landscape ${b.ownValueLandscape.mean.toFixed(3)} (1st ${b.ownValueLandscapeFirst.mean.toFixed(3)}) default ${b.bidder.mean.toFixed(3)} (1st ${b.bidderFirst.mean.toFixed(3)}) ` +
        `day foreseen ${b.yesterdayAlike.mean.toFixed(3)} ÷ unshaded reference ${b.bidderVsUnshaded.mean.toFixed(3)}; true LTV ÷bound ${b.trueLtvVsBound.mean.toFixed(3)}, true value ÷bound ${b.trueValueVsBound.mean.toFixed(3)}`,
    );
  }
  console.log(`wrote ${outDir}/auction-simulation.md and ${outDir}/auction-spend.svg in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (isSimulationWorker()) {
  serveSimulationWorker();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
