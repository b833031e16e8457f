import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignKeys, createFleetLedger, fromIoredis, type FleetEvent } from "../../src/fleet/index.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { accounted, adminOn, fleetBidder, impression, ioredisClient } from "./fleet-fixtures.js";

// One server per file, with the append-only file on (fsync always), so a
// killed and restarted server keeps every acknowledged write.
let server: RedisServer;
let redis: Redis;
let n = 0;
const campaign = () => `f${++n}`;
const far = { periodStart: 0, periodEnd: 4_000_000_000_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startRedisServer({ appendonly: true });
  redis = ioredisClient(server.port);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return true;
    await sleep(10);
  }
  return cond();
}

describe("failure rules", () => {
  it("Redis down: bids from the lease until its deadline (from the renewal's send), then budget_unavailable; backs off; resumes", async () => {
    const c = campaign();
    await adminOn(redis).setBudget({ campaign: c, amount: 100, ...far });
    const events: FleetEvent[] = [];
    let sentAt = 0;
    const client = ioredisClient(server.port);
    const ledger = createFleetLedger({
      redis: fromIoredis(client),
      campaign: c,
      minChunk: 50,
      leaseTtlMs: 1500,
      redisTimeoutMs: 200,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "lease_granted") sentAt = performance.now() - e.waitMs;
      },
    });
    const bidder = fleetBidder(ledger, 100, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    await server.stop("SIGKILL");
    const deadline = sentAt + 1500;
    let placed = 0;
    let lastBidAt = 0;
    let firstRefusalAt = 0;
    const t0 = performance.now();
    // Bid in a loop for 2.5 s (bounded): one impression every ~5 ms, about 0.2 per ms of lease.
    while (performance.now() - t0 < 2500) {
      const d = bidder.bid(impression({ auction: { at: 2, bidfloor: 0.01 }, conversionRate: 0.0001 }));
      if (!d.noBid) {
        placed++;
        lastBidAt = performance.now();
      } else if (firstRefusalAt === 0) {
        expect(d.reason).toBe("budget_unavailable");
        firstRefusalAt = performance.now();
      }
      await sleep(5);
    }
    expect(placed).toBeGreaterThan(10);
    expect(lastBidAt).toBeLessThan(deadline);
    expect(firstRefusalAt).toBeGreaterThanOrEqual(deadline - 1);
    // Never beyond the lease: everything reserved fits in what was granted.
    expect(bidder.snapshot().reserved).toBeLessThanOrEqual(50 + 1e-6);
    // Jittered backoff, capped at 400 ms: a few attempts in 2.5 s, not one per bid (~400 bids).
    const failures = events.filter((e) => e.type === "renew_failed");
    expect(failures.length).toBeGreaterThan(2);
    expect(failures.length).toBeLessThan(40);
    const waits = failures.map((e) => (e.type === "renew_failed" ? e.retryInMs : 0));
    expect(new Set(waits.map((w) => Math.round(w))).size).toBeGreaterThan(1);
    await server.start();
    expect(await until(() => !bidder.bid(impression()).noBid, 10_000)).toBe(true);
    const s = await adminOn(redis).status(c);
    expect(accounted(s)).toBeCloseTo(100, 6);
    client.disconnect();
  });

  it("a failed routine renewal of a healthy lease retries after a share of its time left, not after the short backoff", async () => {
    const c = campaign();
    await adminOn(redis).setBudget({ campaign: c, amount: 100, ...far });
    const client = ioredisClient(server.port);
    const events: FleetEvent[] = [];
    let t = 0;
    const ledger = createFleetLedger({
      redis: fromIoredis(client),
      campaign: c,
      minChunk: 50,
      leaseTtlMs: 4000,
      redisTimeoutMs: 100,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      now: () => t,
      onEvent: (e) => events.push(e),
    });
    const bidder = fleetBidder(ledger, 100);
    await ledger.ready();
    const admin = ioredisClient(server.port);
    await admin.call("CLIENT", "PAUSE", "1000", "ALL");
    // Past half the lease's life: the next bid starts the routine renewal, which times out.
    t = 2200;
    expect(bidder.bid(impression({ conversionRate: 0.0001 })).noBid).toBe(false);
    expect(await until(() => events.some((e) => e.type === "renew_failed"), 3000)).toBe(true);
    const failed = events.find((e) => e.type === "renew_failed");
    if (failed?.type !== "renew_failed") throw new Error("expected renew_failed");
    // 1800 ms of lease left: the retry waits 450-900 ms (the backoff alone: at most 20).
    expect(failed.deadlineInMs).toBe(1800);
    expect(failed.retryInMs).toBeGreaterThanOrEqual(450);
    expect(failed.retryInMs).toBeLessThanOrEqual(900);
    client.disconnect();
    admin.disconnect();
  });

  it("a failed renewal of a lease granted less than it asked (the pool short) also retries after a share of its time left", async () => {
    const c = campaign();
    await adminOn(redis).setBudget({ campaign: c, amount: 10, ...far });
    const client = ioredisClient(server.port);
    const events: FleetEvent[] = [];
    let t = 0;
    const ledger = createFleetLedger({
      redis: fromIoredis(client),
      campaign: c,
      // Asks for 50 of a pool of 10: granted 10, less than it asked.
      minChunk: 50,
      leaseTtlMs: 4000,
      redisTimeoutMs: 100,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      now: () => t,
      onEvent: (e) => events.push(e),
    });
    const bidder = fleetBidder(ledger, 10, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    expect(ledger.metrics().granted).toBe(10);
    const admin = ioredisClient(server.port);
    await admin.call("CLIENT", "PAUSE", "1000", "ALL");
    // Past half the lease's life, six bids of 1.00 in flight: below its low water, so it renews, and times out.
    t = 2200;
    for (let i = 0; i < 6; i++) expect(bidder.bid(impression()).noBid).toBe(false);
    expect(await until(() => events.some((e) => e.type === "renew_failed"), 3000)).toBe(true);
    const failed = events.find((e) => e.type === "renew_failed");
    if (failed?.type !== "renew_failed") throw new Error("expected renew_failed");
    // 1800 ms of lease left: the retry waits 450-900 ms, not the backoff's 20 at most.
    expect(failed.deadlineInMs).toBe(1800);
    expect(failed.retryInMs).toBeGreaterThanOrEqual(450);
    expect(failed.retryInMs).toBeLessThanOrEqual(900);
    client.disconnect();
    admin.disconnect();
  });

  it("a stalled Redis (CLIENT PAUSE) is the same: the lease carries bids to its deadline, no further", async () => {
    const c = campaign();
    await adminOn(redis).setBudget({ campaign: c, amount: 100, ...far });
    const client = ioredisClient(server.port);
    const ledger = createFleetLedger({ redis: fromIoredis(client), campaign: c, minChunk: 20, leaseTtlMs: 800, redisTimeoutMs: 150 });
    const bidder = fleetBidder(ledger, 100);
    await ledger.ready();
    const admin = ioredisClient(server.port);
    await admin.call("CLIENT", "PAUSE", "2000", "ALL");
    const t0 = performance.now();
    let refusedAt = 0;
    while (performance.now() - t0 < 1800 && refusedAt === 0) {
      const d = bidder.bid(impression({ conversionRate: 0.0001 }));
      if (d.noBid) {
        expect(d.reason).toBe("budget_unavailable");
        refusedAt = performance.now() - t0;
      }
      await sleep(5);
    }
    expect(refusedAt).toBeGreaterThan(0);
    expect(refusedAt).toBeLessThan(1000);
    expect(ledger.metrics().failures).toBeGreaterThan(0);
    expect(await until(() => !bidder.bid(impression()).noBid, 10_000)).toBe(true);
    client.disconnect();
    admin.disconnect();
  });

  it("a wiped Redis stops drawing at once; seeded again (new epoch), old instances stop for good, new ones join", async () => {
    const c = campaign();
    const admin = adminOn(redis);
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    const events: FleetEvent[] = [];
    const ledger = createFleetLedger({ redis: fromIoredis(redis), campaign: c, minChunk: 20, leaseTtlMs: 600_000, backoffBaseMs: 10, backoffMaxMs: 20, onEvent: (e) => events.push(e) });
    const bidder = fleetBidder(ledger, 100);
    await ledger.ready();
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    const k = campaignKeys(c);
    await redis.del(k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written);
    // The next write finds no books: the instance stops drawing although its lease had time left.
    await expect(ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 })).rejects.toThrow();
    expect(bidder.bid(impression()).reason).toBe("budget_unavailable");
    expect(events.some((e) => e.type === "unavailable")).toBe(true);
    // An operator (or a deploy script) seeds it again: the old instance must not draw from the new books.
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    expect(await until(() => (bidder.bid(impression()), ledger.metrics().state === "stopped"), 5000)).toBe(true);
    expect(events.some((e) => e.type === "stopped")).toBe(true);
    expect(bidder.bid(impression()).reason).toBe("budget_unavailable");
    const fresh = createFleetLedger({ redis: fromIoredis(redis), campaign: c, minChunk: 20 });
    expect(await fresh.ready()).toBe(true);
  });

  it("survives a killed and restarted Redis (AOF), and re-asserts a lease that a restored older copy lost", async () => {
    const c = campaign();
    const admin = adminOn(redis);
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    const client = ioredisClient(server.port);
    const events: FleetEvent[] = [];
    const ledger = createFleetLedger({ redis: fromIoredis(client), campaign: c, minChunk: 10, backoffBaseMs: 10, backoffMaxMs: 50, onEvent: (e) => events.push(e) });
    const bidder = fleetBidder(ledger, 100);
    await ledger.ready();
    const k = campaignKeys(c);
    // A backup taken now, with a 10.00 lease.
    const backup = await Promise.all([k.budget, k.leases, k.expiry].map((key) => redis.dumpBuffer(key)));
    for (let i = 0; i < 8; i++) {
      const d = bidder.bid(impression());
      if (d.noBid) throw new Error("expected a bid");
      await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    }
    await server.stop("SIGKILL");
    await server.start();
    // The ledger's own connection reconnects on ioredis' backoff; until it has, a
    // write-through win is (rightly) refused. Wait for it, bounded.
    for (let i = 0; i < 100 && client.status !== "ready"; i++) await new Promise((r) => setTimeout(r, 50));
    expect(client.status).toBe("ready");
    const afterRestart = await admin.status(c);
    expect(afterRestart.spent).toBe(8);
    expect(accounted(afterRestart)).toBe(100);
    const granted = ledger.metrics().granted;
    expect(granted).toBeGreaterThan(10);
    // Restore the older copy: Redis now believes the lease holds 10.00 and nothing was spent.
    await Promise.all([k.budget, k.leases, k.expiry].map((key, i) => redis.restore(key, 0, backup[i]!, "REPLACE")));
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    expect(events.some((e) => e.type === "restored")).toBe(true);
    const s = await admin.status(c);
    // The instance's own counters are the truth: its grant and its 9.00 of spend are back in the books.
    expect(s.spent).toBe(9);
    expect(s.restored).toBe(1);
    expect(s.outstanding).toBeGreaterThanOrEqual(granted - 9 - 1e-6);
    expect(accounted(s)).toBeCloseTo(100, 6);
    client.disconnect();
  });
});
