// `npm run bench:fleet`: the fleet simulation with 50 instances and faults,
// for the fleet ledger (write-through and batched) and the naive
// alternative (GET before each bid, INCRBYFLOAT per win), side by side;
// then the bid decision's cost with a healthy lease. `--long` runs 60 s per
// scenario instead of 20 s; `--instances N` changes the fleet size; `--ttl MS`
// the lease TTL (4000: killed leases come back within the run).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
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
// `--only a,b`: some scenarios (lease-write-through, lease-batched, lease-write-through-batches, naive, decide).
const only = args.includes("--only") ? args[args.indexOf("--only") + 1]!.split(",") : undefined;
const verbose = flag("--verbose");
// `--batch MS`: maxStaleMs of write-through in batches (the market waits 500 ms more before it delivers a notice again).
const batchMs = value("--batch", 1000);
const script = join(import.meta.dirname, "fleet-instance.mjs");

const server = await startRedisServer({ appendonly: true });
const results: SimulationResult[] = [];
const loadAtStart = loadavg();
let decideLine = "";
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
    // Short, so that killed instances' leases come back within the run (`--ttl` to change it).
    leaseTtlMs: value("--ttl", 4000),
    outcomeGraceMs: 1500,
    quietTailMs: Math.max(7000, durationMs * 0.35),
    faults: !flag("--no-faults"),
    faultKinds: args.includes("--faults") ? (args[args.indexOf("--faults") + 1]!.split(",") as SimulationOptions["faultKinds"]) : undefined,
    log: verbose ? (l) => console.log(`  ${l}`) : undefined,
  };
  const scenarios: Array<[string, SimulationOptions]> = [
    ["lease-write-through", { ...base, mode: "lease", settlement: "write_through" }],
    ["lease-batched", { ...base, mode: "lease", settlement: { maxStaleMs: 1000 } }],
    // Acknowledged once written, so the market waits longer before it delivers a notice again.
    [
      "lease-write-through-batches",
      { ...base, mode: "lease", settlement: { maxStaleMs: batchMs, acknowledge: "after_write" }, ackTimeoutMs: batchMs + 500 },
    ],
    ["naive", { ...base, mode: "naive" }],
  ];
  for (const [name, options] of scenarios) {
    if (only !== undefined && !only.includes(name)) continue;
    console.log(`${name}: ${instances} instances, ${durationMs / 1000} s, budget ${budget}, faults on ...`);
    const r = await runFleetSimulation({ ...options, campaign: `bench-${name}-${Date.now().toString(36)}` });
    if (options.mode === "lease" && options.leaseTtlMs !== 4000) r.mode = r.mode.replace(/\)$/, `, TTL ${options.leaseTtlMs! / 1000} s)`);
    results.push(r);
    console.log(
      `  spend ${r.trueSpend.toFixed(4)} of ${r.budget} (use ${(100 * r.budgetUse).toFixed(2)}%), overspend ${r.overspend.toFixed(4)} ` +
        `(${((100 * r.overspend) / r.budget).toFixed(2)}%), bids ${r.bids}, wins ${r.wins}, round trips/bid ${r.roundTripsPerBid.toFixed(4)} ` +
        `(${Object.entries(r.roundTripsBy).map(([k, v]) => `${k} ${(v / Math.max(1, r.bids)).toFixed(4)}`).join(", ")}), ` +
        (r.steady
          ? `steady state (first ${(r.steady.ms / 1000).toFixed(1)} s, to 90% spent) ${r.steady.roundTripsPerBid.toFixed(4)} per bid ` +
            `(${Object.entries(r.steady.roundTripsBy).map(([k, v]) => `${k} ${(v / Math.max(1, r.steady!.bids)).toFixed(4)}`).join(", ")}), ` +
            `per instance-second: ${r.steady.attemptsPerInstanceSecond.toFixed(1)} bid opportunities, ${r.steady.bidsPerInstanceSecond.toFixed(1)} bids, ` +
            `${r.steady.roundTripsPerInstanceSecond.toFixed(3)} round trips; refused ${JSON.stringify(r.steady.noBids)}; ` +
            `${r.steady.bids} bids by the instances' counts, ${r.steady.marketBids} received by the market, ${r.steady.wins} wins, `
          : "") +
        `refusals ${JSON.stringify(r.noBids)} of ${r.attempts} opportunities, failed renewals ${JSON.stringify(r.failedRenewals)}, CPU (cores) market ${r.marketCpu.toFixed(2)} instances ${r.instancesCpu.toFixed(2)}, ` +
        `bid to outcome notice (medians of 250 ms windows) p50 ${r.outcomeMs.p50.toFixed(1)} ms p90 ${r.outcomeMs.p90.toFixed(1)} ms max ${r.outcomeMs.max.toFixed(0)} ms, ` +
        `books off by at most ${r.maxImbalance} over ${r.samples} samples, faults ${JSON.stringify(r.faults)}, redeliveries ${r.redeliveries}` +
        (r.books ? `, books ${JSON.stringify(r.books)}` : ""),
    );
  }

  // The bid decision with a healthy lease: no Redis round trip, timed in this process.
  if (only === undefined || only.includes("decide")) {
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
    decideLine =
      `| bid decision, fleet lease (healthy) | 200,000 | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} | ${ledger.metrics().roundTrips - trips} |\n` +
      `| bid decision, local budget (same process, interleaved) | 200,000 | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | 0 |`;
    console.log(
      `bid decision, 200k bids each, interleaved warm-up: fleet lease p50 ${f.p50.toFixed(2)} us p99 ${f.p99.toFixed(2)} us ` +
        `(Redis round trips during it: ${ledger.metrics().roundTrips - trips}); local budget p50 ${l.p50.toFixed(2)} us p99 ${l.p99.toFixed(2)} us`,
    );
    redis.disconnect();
  }
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average (1/5/15 min) at start ${loadAtStart.map((x) => x.toFixed(1)).join(" / ")}, at end ${loadavg().map((x) => x.toFixed(1)).join(" / ")}`;
  console.log(`machine: ${machine}`);
  if (!flag("--no-write")) writeSection(machine);
} finally {
  await server.close();
}

/**
 * Writes the figures into BENCHMARKS.md between its fleet markers (`npm run
 * bench` keeps that block). Rows accumulate: a run replaces only the rows of
 * its own settlement and fleet size, so runs of different sizes stand side by side.
 */
function writeSection(machine: string): void {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const load = loadAtStart[0]!.toFixed(0);
  const rowKey = (row: string) => row.split("|").slice(1, 3).map((c) => c.trim()).join("|");
  const fresh = results.map(
    (r) =>
      `| ${r.mode} | ${r.instances} | ${(r.durationMs / 1000).toFixed(0)} s (+${(r.overtimeMs / 1000).toFixed(0)} s) | ${r.budget} | ${r.trueSpend.toFixed(4)} | ` +
      `${r.overspend.toFixed(4)} (${pct(r.overspend / r.budget)}) | ${pct(r.budgetUse)} | ${r.bids} | ${r.wins} | ${r.roundTripsPerBid.toFixed(4)}${r.steady ? ` (steady ${r.steady.roundTripsPerBid.toFixed(4)})` : ""} | ` +
      `${r.samples === 0 ? "n/a" : `${r.maxImbalance.toExponential(1)} over ${r.samples}`} | ${r.faults.kills}/${r.faults.stops}/${r.faults.redisRestarts}/${r.faults.pauses} | ${date} | ${load} |`,
  );
  const path = "BENCHMARKS.md";
  const text = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const start = text.indexOf("<!-- fleet:start");
  const end = text.indexOf("<!-- fleet:end -->");
  const old = start >= 0 && end > start ? text.slice(start, end) : "";
  const keys = new Set(fresh.map(rowKey));
  const kept = old
    .split("\n")
    .filter((l) => /^\| (lease|naive)/.test(l) && l.split("|").length >= 16 && !keys.has(rowKey(l)));
  const rows = [...kept, ...fresh].sort((a, b) => rowKey(a).localeCompare(rowKey(b)));
  const decide = decideLine || old.split("\n").filter((l) => l.startsWith("| bid decision")).join("\n");
  // Where the round trips went: this run's scenarios only (a table of the last run, replaced by the next).
  const purposes = ["start", "renew", "write", "starved", "retry", "report"];
  const perBid = (by: Record<string, number>, bids: number) => purposes.map((p) => ((by[p] ?? 0) / Math.max(1, bids)).toFixed(4)).join(" / ");
  const lastRun = results
    .filter((r) => r.steady !== undefined && r.mode.startsWith("lease"))
    .map((r) => {
      const st = r.steady!;
      return (
        `| ${r.mode} | ${r.instances} | ${st.attemptsPerInstanceSecond.toFixed(1)} | ${st.bidsPerInstanceSecond.toFixed(1)} | ` +
        `${st.roundTripsPerInstanceSecond.toFixed(3)} | ${st.roundTripsPerBid.toFixed(4)} | ${perBid(st.roundTripsBy, st.bids)} | ` +
        `${perBid(r.roundTripsBy, r.bids)} | ${r.outcomeMs.p50.toFixed(1)} / ${r.outcomeMs.p90.toFixed(0)} |`
      );
    });
  const lastRunTable = lastRun.length === 0 ? [] : [
    "",
    `Where the round trips went (the lease rows of the last run, ${date} UTC): in the steady state, bid opportunities the`,
    "traffic offered and bids made per second of a running instance (the rest were refused: the lease could not cover",
    "them), round trips per instance-second and per bid, and per bid by purpose (`roundTripsBy`: start / renew / write /",
    "starved / retry / report), then the same over the whole run; and the time from a bid to its outcome notice (p50 / p90",
    "of the instances' 250 ms medians, ms), which holds each bid's full price reserved in the lease meanwhile.",
    "",
    "| settlement | instances | opportunities/s | bids/s | round trips/s | per bid | steady, by purpose | whole run, by purpose | bid to notice, ms |",
    "|---|---:|---:|---:|---:|---:|---|---|---:|",
    ...lastRun,
  ];
  const keptLastRun = lastRun.length > 0 ? [] : (() => {
    const i = old.indexOf("Where the round trips went");
    const j = old.indexOf("| measure |");
    return i >= 0 && j > i ? ["", ...old.slice(i, j).trimEnd().split("\n")] : [];
  })();
  const section = [
    "<!-- fleet:start (written by npm run bench:fleet; npm run bench keeps it) -->",
    "## Fleet budgets on Redis",
    "",
    `Written by \`npm run bench:fleet\` (\`--instances N\`, \`--long\`); last run ${date} UTC. Machine: ${machine}.`,
    "",
    "Instances are child processes offered 100 bids a second each (in bursts every 10 ms) on one campaign; the market",
    "(the parent) wins 2% of bids at 30-100% of the bid and holds the true spend; the budget is 40% of what full traffic",
    "would spend, so the market would take it all. Faults throughout all but the last 35%: SIGKILL of a random instance",
    "every 1.5-3 s (and a replacement), SIGSTOP/SIGCONT for 0.5-2.5 s every 2-4 s, redis-server SIGKILL and restart (AOF,",
    "fsync always), and `CLIENT PAUSE` 1 s. After the run the market keeps buying while spend still grows (the +time).",
    "Faults column: kills/stops/Redis restarts/pauses. Books: the largest |pool + outstanding + spent + late - total| over",
    "the samples (every 200 ms). Load: the 1-minute load average at the start on this shared 2-core machine. Instances",
    "are offered their 100 bids a second even on a loaded machine; they bid fewer because the ledger refuses what the",
    "lease cannot cover: each bid holds its full price until its outcome notice comes back (slower on a loaded machine),",
    "and the budget, 40% of full traffic, is soon smaller than what the fleet's leases ask for. Round trips per bid over",
    "the whole run, and (steady) until the market had spent 90% of the budget: the rest of the run is the fleet waiting",
    "for money that kills and shrinking leases return, when bids are few. Lease TTL 4 s unless the settlement says",
    "otherwise (short, so that killed instances' leases come back within the run).",
    "",
    "| settlement | instances | run | budget | true spend | overspend | budget use | bids | wins | Redis round trips per bid | books off by | faults | when (UTC) | load |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|",
    ...rows,
    ...lastRunTable,
    ...keptLastRun,
    "",
    "| measure | bids | p50 µs | p99 µs | Redis round trips |",
    "|---|---:|---:|---:|---:|",
    decide,
    "",
  ].join("\n");
  const next = start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end) : `${text.trimEnd()}\n\n${section}<!-- fleet:end -->\n`;
  writeFileSync(path, next);
  console.log(`wrote the fleet section of ${path}`);
}
