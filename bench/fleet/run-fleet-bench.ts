// `npm run bench:fleet`: the fleet simulation with 50 instances and faults,
// for the fleet ledger (write-through and batched) and the naive
// alternative (GET before each bid, INCRBYFLOAT per win), side by side;
// then the bid decision's cost with a healthy lease. `--long` runs 60 s per
// scenario instead of 20 s; `--instances N` changes the fleet size.
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createBidder } from "../../src/bid/index.js";
import { createFleetBudgetAdmin, createFleetLedger, fromIoredis } from "../../src/fleet/index.js";
import { Redis } from "ioredis";
import { startRedisServer } from "../../test/support/redis-server.js";
import { runFleetSimulation, type SimulationOptions, type SimulationResult } from "./fleet-simulation.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const long = flag("--long");
const instances = value("--instances", 50);
const durationMs = value("--duration", long ? 60_000 : 20_000);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const verbose = flag("--verbose");
const script = join(import.meta.dirname, "fleet-instance.mjs");

const server = await startRedisServer({ appendonly: true });
const results: SimulationResult[] = [];
try {
  // The fleet's spend rate: instances x rate x winRate x 0.65 x valueCpm / 1000 per second;
  // the budget lasts about 40% of the run at full traffic, so the market would take it all.
  const bidsPerSecond = 100;
  const valueCpm = 3;
  const winRate = 0.02;
  const spendPerSecond = (instances * bidsPerSecond * winRate * 0.65 * valueCpm) / 1000;
  const budget = Number((spendPerSecond * (durationMs / 1000) * 0.4).toFixed(3));
  const base: Omit<SimulationOptions, "mode"> = {
    instanceScript: script,
    redis: server,
    instances,
    durationMs,
    budget,
    bidsPerSecond,
    valueCpm,
    winRate,
    leaseTtlMs: 4000,
    outcomeGraceMs: 1500,
    quietTailMs: Math.max(7000, durationMs * 0.35),
    faults: !flag("--no-faults"),
    faultKinds: args.includes("--faults") ? (args[args.indexOf("--faults") + 1]!.split(",") as SimulationOptions["faultKinds"]) : undefined,
    log: verbose ? (l) => console.log(`  ${l}`) : undefined,
  };
  const scenarios: Array<[string, SimulationOptions]> = [
    ["lease-write-through", { ...base, mode: "lease", settlement: "write_through" }],
    ["lease-batched", { ...base, mode: "lease", settlement: { maxStaleMs: 1000 } }],
    ["naive", { ...base, mode: "naive" }],
  ];
  for (const [name, options] of scenarios) {
    if (only !== undefined && only !== name) continue;
    console.log(`${name}: ${instances} instances, ${durationMs / 1000} s, budget ${budget}, faults on ...`);
    const r = await runFleetSimulation({ ...options, campaign: `bench-${name}-${Date.now().toString(36)}` });
    results.push(r);
    console.log(
      `  spend ${r.trueSpend.toFixed(4)} of ${r.budget} (use ${(100 * r.budgetUse).toFixed(2)}%), overspend ${r.overspend.toFixed(4)} ` +
        `(${((100 * r.overspend) / r.budget).toFixed(2)}%), bids ${r.bids}, wins ${r.wins}, round trips/bid ${r.roundTripsPerBid.toFixed(4)}, ` +
        `books off by at most ${r.maxImbalance} over ${r.samples} samples, faults ${JSON.stringify(r.faults)}, redeliveries ${r.redeliveries}` +
        (r.books ? `, books ${JSON.stringify(r.books)}` : ""),
    );
  }

  // The bid decision with a healthy lease: no Redis round trip, timed in this process.
  if (only === undefined || only === "decide") {
    const redis = new Redis(server.url);
    await createFleetBudgetAdmin({ redis: fromIoredis(redis) }).setBudget({ campaign: "decide", amount: 1e6, periodStart: 0, periodEnd: 4e12 });
    const ledger = createFleetLedger({ redis: fromIoredis(redis), campaign: "decide", minChunk: 1e5, leaseTtlMs: 600_000 });
    await ledger.ready();
    const now = Date.now();
    const common = { pacing: { controller: "none" as const }, shading: false, riskAdjustment: "none" as const };
    const fleet = createBidder({ budget: { amount: 1e6, periodStart: now - 3.6e6, periodEnd: now + 3.6e6 }, ...common, ...ledger.bidderOptions() });
    const local = createBidder({ budget: { amount: 1e6, periodStart: now - 3.6e6, periodEnd: now + 3.6e6 }, ...common });
    const input = {
      prediction: { predictedLtv: 0.3, confidence: 1, ltvLowerBound: 0, ltvUpperBound: 0, status: 0, modelVersion: "b" },
      conversionRate: 0.01,
      auction: { at: 2 as const },
    };
    const time = (b: typeof fleet) => {
      const samples: number[] = [];
      for (let i = 0; i < 200_000; i++) {
        const t0 = performance.now();
        const d = b.bid(input);
        samples.push(performance.now() - t0);
        if (!d.noBid) b.recordOutcome({ decisionId: d.decisionId, won: false });
      }
      samples.sort((a, b2) => a - b2);
      return { p50: samples[samples.length >> 1]! * 1000, p99: samples[Math.floor(samples.length * 0.99)]! * 1000 };
    };
    time(fleet);
    time(local);
    const trips = ledger.metrics().roundTrips;
    const f = time(fleet);
    const l = time(local);
    console.log(
      `bid decision, 200k bids each, interleaved warm-up: fleet lease p50 ${f.p50.toFixed(2)} us p99 ${f.p99.toFixed(2)} us ` +
        `(Redis round trips during it: ${ledger.metrics().roundTrips - trips}); local budget p50 ${l.p50.toFixed(2)} us p99 ${l.p99.toFixed(2)} us`,
    );
    redis.disconnect();
  }
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}, node ${process.version}`);
} finally {
  await server.close();
}
