// `npm run demo:fleet`: a few bidding instances, each its own process,
// sharing one campaign budget through a local redis-server (it must be
// installed), printing each instance's spend and the total against the
// budget as they go. `--instances N` (default 4), `--seconds S` (default 12),
// `--faults` to kill, freeze and restart things along the way.
import { join } from "node:path";
import { startRedisServer } from "../../test/support/redis-server.js";
import { runFleetSimulation } from "./fleet-simulation.js";

const args = process.argv.slice(2);
const value = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const instances = value("--instances", 4);
const seconds = value("--seconds", 12);
const server = await startRedisServer({ appendonly: true });
console.log(`redis-server on 127.0.0.1:${server.port}; ${instances} instances, one campaign, ${seconds} s`);
const budget = Number(((instances * 100 * 0.05 * 0.65 * 3) / 1000 * seconds * 0.6).toFixed(3));
try {
  const r = await runFleetSimulation({
    instanceScript: join(import.meta.dirname, "fleet-instance.mjs"),
    redis: server,
    instances,
    durationMs: seconds * 1000,
    mode: "lease",
    settlement: "write_through",
    budget,
    bidsPerSecond: 100,
    valueCpm: 3,
    winRate: 0.05,
    faults: args.includes("--faults"),
    leaseTtlMs: 2000,
    reportEveryMs: 1000,
    onReport: (r) => {
      const each = r.instances.map((i) => `${i.id}${i.running ? "" : "(down)"} ${i.spend.toFixed(4)}`).join("  ");
      console.log(`${(r.elapsedMs / 1000).toFixed(0).padStart(3)} s  total ${r.total.toFixed(4)} / ${r.budget} (${((100 * r.total) / r.budget).toFixed(1)}%)  ${each}`);
    },
    log: (l) => (l.startsWith("t=") ? undefined : console.log(l)),
  });
  console.log(
    `done: spent ${r.trueSpend.toFixed(4)} of ${r.budget} (${(100 * r.budgetUse).toFixed(2)}%), overspend ${r.overspend.toFixed(4)}, ` +
      `${r.bids} bids, ${r.roundTrips} Redis round trips (${r.roundTripsPerBid.toFixed(4)} per bid)` +
      (r.books ? `; Redis books: spent ${r.books.spent}, late ${r.books.late}, pool ${r.books.pool}, outstanding ${r.books.outstanding}` : ""),
  );
} finally {
  await server.close();
}
