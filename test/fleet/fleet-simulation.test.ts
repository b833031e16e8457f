import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runFleetSimulation } from "../../bench/fleet/fleet-simulation.js";
import { bundleForNode } from "../support/bundle-for-node.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

// A short fleet simulation: 10 instances (child processes) on one campaign,
// the market in this process, faults throughout the first 10 s, then 6 s
// without (a killed instance's lease returns after its life, 3.5 s here).
let server: RedisServer;
let dir: string;
let script: string;

beforeAll(async () => {
  server = await startRedisServer({ appendonly: true });
  // Inside the repository, so the bundle resolves ioredis from node_modules.
  mkdirSync(".build/test", { recursive: true });
  dir = mkdtempSync(join(".build/test", "fleet-sim-"));
  script = await bundleForNode("bench/fleet/fleet-instance.ts", join(dir, "fleet-instance.mjs"));
}, 60_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("write-through: zero overspend, >= 98% of the budget used, books balanced at every sample, under kills, freezes, a Redis restart and a stall", async () => {
  const r = await runFleetSimulation({
    instanceScript: script,
    redis: server,
    instances: 10,
    durationMs: 16_000,
    quietTailMs: 6_000,
    mode: "lease",
    settlement: "write_through",
    // Full traffic would spend about 0.2 a second: the budget runs out around 6 s.
    budget: 1.2,
    bidsPerSecond: 100,
    valueCpm: 3,
    winRate: 0.1,
    faults: true,
  });
  console.log(JSON.stringify(r, null, 1));
  expect(r.faults.kills).toBeGreaterThanOrEqual(3);
  expect(r.faults.stops).toBeGreaterThanOrEqual(2);
  expect(r.faults.redisRestarts).toBe(1);
  expect(r.faults.pauses).toBe(1);
  expect(r.unacked).toBe(0);
  expect(r.trueSpend).toBeLessThanOrEqual(r.budget + 1e-9);
  expect(r.budgetUse).toBeGreaterThanOrEqual(0.98);
  expect(r.samples).toBeGreaterThan(20);
  expect(r.maxImbalance).toBeLessThan(1e-6);
}, 90_000);
