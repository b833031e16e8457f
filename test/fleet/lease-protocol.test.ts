import { Code, ConnectError } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignKeys, createFleetLedger, fromIoredis, type FleetEvent } from "../../src/fleet/index.js";
import { renewScript, reportWinScript } from "../../src/fleet/lease-scripts.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { accounted, adminOn, fleetBidder, impression, ioredisClient, ledgerOn } from "./fleet-fixtures.js";

let server: RedisServer;
let redis: Redis;
let n = 0;
const campaign = () => `c${++n}`;
const far = { periodStart: 0, periodEnd: 4_000_000_000_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startRedisServer();
  redis = ioredisClient(server.port);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

describe("setBudget and status", () => {
  it("seeds once, never double-counts a repeat, moves a change into the pool and bumps the generation", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    expect((await admin.status(c)).exists).toBe(false);
    const first = await admin.setBudget({ campaign: c, amount: 100, ...far });
    expect(first).toMatchObject({ status: "created", generation: 1 });
    expect(await admin.setBudget({ campaign: c, amount: 100, ...far })).toEqual({ ...first, status: "unchanged" });
    const ledger = ledgerOn(redis, c);
    expect(await ledger.ready()).toBe(true);
    const raised = await admin.setBudget({ campaign: c, amount: 150, ...far });
    expect(raised).toMatchObject({ status: "updated", epoch: first.epoch, generation: 2 });
    expect(await admin.setBudget({ campaign: c, amount: 150, ...far })).toMatchObject({ status: "unchanged", generation: 2 });
    const s = await admin.status(c);
    expect(s).toMatchObject({ exists: true, total: 150, outstanding: 5, pool: 145, spent: 0, late: 0, leases: 1, generation: 2 });
    expect(accounted(s)).toBe(150);
  });

  it("rejects bad arguments with InvalidArgument naming the field, before any command", async () => {
    const admin = adminOn(redis);
    const bad = async (f: () => Promise<unknown> | unknown, field: string) => {
      let err: unknown;
      try {
        await f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage.startsWith(`${field}:`)).toBe(true);
    };
    await bad(() => admin.setBudget({ campaign: "a{b}", amount: 1, ...far }), "campaign");
    await bad(() => admin.setBudget({ campaign: "ok", amount: -1, ...far }), "amount");
    await bad(() => admin.setBudget({ campaign: "ok", amount: Number.NaN, ...far }), "amount");
    await bad(() => admin.setBudget({ campaign: "ok", amount: 1, periodStart: 5, periodEnd: 5 }), "periodEnd");
    await bad(() => ledgerOn(redis, ""), "campaign");
    await bad(() => ledgerOn(redis, "ok", { leaseTtlMs: 0 }), "leaseTtlMs");
    await bad(() => ledgerOn(redis, "ok", { instanceId: "a.b" }), "instanceId");
    await bad(() => ledgerOn(redis, "ok", { settlement: { maxStaleMs: -5 } }), "settlement.maxStaleMs");
    await bad(() => ledgerOn(redis, "ok", { settlement: { maxStaleMs: 10, acknowledge: "later" as "at_once" } }), "settlement.acknowledge");
    await bad(() => ledgerOn(redis, "ok", { minChunk: 10, maxChunk: 5 }), "maxChunk");
    await bad(() => createFleetLedger({ redis: {} as never, campaign: "ok" }), "redis");
    const ledger = ledgerOn(redis, "ok");
    await bad(() => ledger.recordOutcome({ decisionId: "x", won: "yes" as never }), "won");
    await bad(() => ledger.recordOutcome({ decisionId: "nodot", won: true, priceCpm: 1 }), "decisionId");
    await bad(() => ledger.recordOutcome({ decisionId: "other-1.5", won: true }), "spend");
    expect(ledger.metrics().roundTrips).toBe(0);
  });
});

describe("leases", () => {
  it("bids only from the lease, with no Redis round trip while it is healthy; books balance at every step", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 50, ...far });
    const ledger = ledgerOn(redis, c, { minChunk: 5, leaseTtlMs: 60_000 });
    const bidder = fleetBidder(ledger, 50);
    // Before any lease: budget_unavailable, never a bid on credit.
    expect(bidder.bid(impression()).reason).toBe("budget_unavailable");
    expect(await ledger.ready()).toBe(true);
    const trips = ledger.metrics().roundTrips;
    // Bids of 1.00 from the 5.00 lease (above its low-water mark, half of it); their losses free it again, with no round trip.
    for (let round = 0; round < 20; round++) {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const d = bidder.bid(impression());
        expect(d.noBid).toBe(false);
        if (!d.noBid) ids.push(d.decisionId);
      }
      for (const id of ids) await ledger.recordOutcome({ decisionId: id, won: false });
    }
    expect(ledger.metrics().roundTrips).toBe(trips);
    const s = await admin.status(c);
    expect(accounted(s)).toBe(50);
    expect(s.outstanding).toBe(5);
  });

  it("writes each win through before recordOutcome resolves, and tops the lease up as it drains", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 30, ...far });
    const ledger = ledgerOn(redis, c, { minChunk: 2 });
    const bidder = fleetBidder(ledger, 30);
    await ledger.ready();
    let won = 0;
    for (let i = 0; i < 200 && won < 29; i++) {
      const d = bidder.bid(impression());
      if (d.noBid) {
        await sleep(5);
        continue;
      }
      await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
      won++;
      const s = await admin.status(c);
      expect(s.spent).toBeCloseTo(won, 9);
      expect(accounted(s)).toBeCloseTo(30, 9);
    }
    expect(won).toBe(29);
    expect(ledger.metrics().grants).toBeGreaterThan(3);
  });

  it("batched settlement writes wins within maxStaleMs, not at once", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 30, ...far });
    const ledger = ledgerOn(redis, c, { settlement: { maxStaleMs: 300 } });
    const bidder = fleetBidder(ledger, 30);
    await ledger.ready();
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 700 });
    expect(ledger.metrics().unwritten).toBeCloseTo(0.7, 9);
    expect((await admin.status(c)).spent).toBe(0);
    const t0 = Date.now();
    while ((await admin.status(c)).spent === 0 && Date.now() - t0 < 5000) await sleep(20);
    expect((await admin.status(c)).spent).toBeCloseTo(0.7, 9);
    expect(ledger.metrics().unwritten).toBe(0);
  });

  it("write-through in batches: wins of one maxStaleMs share one write, and each resolves only once that write is in Redis", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 30, ...far });
    const ledger = ledgerOn(redis, c, { minChunk: 20, leaseTtlMs: 600_000, settlement: { maxStaleMs: 400, acknowledge: "after_write" } });
    const bidder = fleetBidder(ledger, 30, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    const before = ledger.metrics().roundTripsBy;
    const acks: Array<Promise<number>> = [];
    for (let i = 0; i < 3; i++) {
      const d = bidder.bid(impression());
      if (d.noBid) throw new Error("expected a bid");
      // Each acknowledgement notes how much Redis held when it resolved.
      acks.push(ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 500 }).then(async () => (await admin.status(c)).spent));
      await sleep(50);
    }
    expect(ledger.metrics().unwritten).toBeCloseTo(1.5, 9);
    expect((await admin.status(c)).spent).toBe(0);
    expect(await Promise.all(acks)).toEqual([1.5, 1.5, 1.5]);
    const after = ledger.metrics().roundTripsBy;
    expect(after.write - before.write).toBe(1);
    expect(after.renew - before.renew).toBe(0);
    // A repeated notice of a written win resolves at once, with no round trip.
    const trips = ledger.metrics().roundTrips;
    await ledger.recordOutcome({ decisionId: `${ledger.decisionIdPrefix}0`, won: true, priceCpm: 500 });
    expect(ledger.metrics().roundTrips).toBe(trips);
    await ledger.close();
  });

  it("write-through in batches: a renewal that carries the batch's wins is its write; they are acknowledged then, and the batch timer writes nothing more", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 30, ...far });
    let t = 0;
    // The batch is due in ten minutes; the routine renewal (half the lease's life) at 1 s of the ledger's clock.
    const ledger = ledgerOn(redis, c, { minChunk: 20, leaseTtlMs: 2000, now: () => t, settlement: { maxStaleMs: 600_000, acknowledge: "after_write" } });
    const bidder = fleetBidder(ledger, 30, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    const before = ledger.metrics().roundTripsBy;
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    let acked = false;
    const ack = ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 500 }).then(() => (acked = true));
    await sleep(50);
    expect(acked).toBe(false);
    // Half the lease's life: the next bid starts the routine renewal, which writes the win.
    t = 1100;
    bidder.bid(impression());
    await Promise.race([ack, sleep(5000)]);
    expect(acked).toBe(true);
    expect((await admin.status(c)).spent).toBeCloseTo(0.5, 9);
    const after = ledger.metrics().roundTripsBy;
    expect(after.renew - before.renew).toBe(1);
    expect(after.write - before.write).toBe(0);
    expect(ledger.metrics().unwritten).toBe(0);
    await ledger.close();
  });

  it("write-through in batches: the routine renewal waits for a batch due before three quarters of the lease's life (one round trip, not two)", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 30, ...far });
    let t = 0;
    const ledger = ledgerOn(redis, c, { minChunk: 20, leaseTtlMs: 4000, now: () => t, settlement: { maxStaleMs: 300, acknowledge: "after_write" } });
    const bidder = fleetBidder(ledger, 30, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    const before = ledger.metrics().roundTripsBy;
    // A win at 1.8 s of a 4 s lease: its batch is due at 2.1 s, before 3 s.
    t = 1800;
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    const ack = ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 500 });
    // Past half the lease's life, bids make no round trip: the batch will renew the lease.
    t = 2050;
    for (let i = 0; i < 5; i++) {
      const b = bidder.bid(impression());
      if (!b.noBid) await ledger.recordOutcome({ decisionId: b.decisionId, won: false });
    }
    expect(ledger.metrics().roundTripsBy.renew - before.renew).toBe(0);
    await Promise.race([ack, sleep(5000)]);
    expect((await admin.status(c)).spent).toBeCloseTo(0.5, 9);
    const after = ledger.metrics().roundTripsBy;
    expect(after.write - before.write).toBe(1);
    expect(after.renew - before.renew).toBe(0);
    // The write renewed the lease: bids go on, with no other round trip.
    t = 2200;
    expect(bidder.bid(impression()).noBid).toBe(false);
    expect(ledger.metrics().roundTrips - (before.start + before.renew + before.write)).toBe(1);
    await ledger.close();
  });

  it("at the end of the budget, a starved instance waits for the next lease expiry instead of asking on every bid", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 10, ...far });
    const events: FleetEvent[] = [];
    const ledger = ledgerOn(redis, c, { minChunk: 1, leaseTtlMs: 2000, outcomeGraceMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 100, onEvent: (e) => events.push(e) });
    const bidder = fleetBidder(ledger, 10, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    // Spend the whole pool, bid by bid (each win 1.00).
    for (let i = 0; i < 200; i++) {
      const d = bidder.bid(impression());
      if (!d.noBid) await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
      else await sleep(5);
      if ((await admin.status(c)).spent >= 10) break;
    }
    expect((await admin.status(c)).pool).toBe(0);
    const trips = ledger.metrics().roundTrips;
    // 600 ms of bids on an empty pool: the routine renewal is 1 s away and no
    // lease expires for a minute, so no round trip at all.
    const t0 = Date.now();
    let refused = 0;
    while (Date.now() - t0 < 600) {
      if (bidder.bid(impression()).noBid) refused++;
      await sleep(2);
    }
    expect(refused).toBeGreaterThan(50);
    expect(ledger.metrics().roundTrips - trips).toBe(0);
    await ledger.close();
  });

  it("an instance granted less than it asked (its share of the pool) renews when half of that is used, not on every bid", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    let t = 0;
    const options = { leaseTtlMs: 600_000, leaseHorizonMs: 100_000, minChunk: 1, backoffBaseMs: 20, backoffMaxMs: 100, now: () => t };
    const other = ledgerOn(redis, c, options);
    await other.ready();
    const ledger = ledgerOn(redis, c, options);
    const bidder = fleetBidder(ledger, 100, { outcomeTimeoutMs: 600_000 });
    await ledger.ready();
    // Ten wins of 1.00 in a second: a rate of 10 a second, 1,000 for the horizon, far more than the pool.
    for (let i = 0; i < 10; i++) {
      const d = bidder.bid(impression());
      if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
      await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    }
    t += 1000;
    await (ledger as unknown as { renew(): Promise<boolean> }).renew();
    const held = ledger.metrics().headroom;
    const s = await admin.status(c);
    // Capped at its share: money is left in the pool, for the other instance.
    expect(held).toBeGreaterThan(20);
    expect(s.pool).toBeGreaterThan(10);
    const trips = ledger.metrics().roundTrips;
    // Bids lost, 200 ms apart (past every backoff): well within half of what it holds.
    for (let i = 0; i < 10; i++) {
      t += 200;
      const d = bidder.bid(impression());
      if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
      await ledger.recordOutcome({ decisionId: d.decisionId, won: false });
    }
    expect(ledger.metrics().roundTrips).toBe(trips);
    expect(accounted(await admin.status(c))).toBeCloseTo(100, 6);
  });

  it("a repeated renewal (same sequence number) changes nothing: settles and grants are idempotent", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    const k = campaignKeys(c);
    const keys = [k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written];
    const call = (seq: number, reported: number, want: number) =>
      redis.call("EVAL", renewScript, "7", ...keys, "", "L1", String(seq), String(reported), String(want), "0", "60000", "1000000", "", "", "", "o1", "55000", "", "", "", "86400000") as Promise<unknown[]>;
    const a = await call(1, 0, 10_000_000);
    const again = await call(1, 0, 10_000_000);
    expect(a[3]).toBe(10_000_000);
    expect(again[3]).toBe(10_000_000);
    const b = await call(2, 3_000_000, 10_000_000 + 3_000_000);
    const retried = await call(2, 3_000_000, 10_000_000 + 3_000_000);
    expect(b.slice(3, 6)).toEqual([13_000_000, 3_000_000, 0]);
    expect(retried.slice(3, 6)).toEqual([13_000_000, 3_000_000, 0]);
    // An older request arriving late is stale and ignored.
    expect((await call(1, 0, 1))[0]).toBe("stale");
    const s = await admin.status(c);
    expect(s).toMatchObject({ spent: 3, outstanding: 10, pool: 87 });
  });

  it("sizes leases from the spend rate: a busy instance holds more, and gives it back when it goes idle", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 1000, ...far });
    let t = 0;
    const options = { leaseTtlMs: 600_000, leaseHorizonMs: 10_000, minChunk: 1, now: () => t };
    const busy = ledgerOn(redis, c, options);
    const idle = ledgerOn(redis, c, options);
    const bidder = fleetBidder(busy, 1000);
    await busy.ready();
    await idle.ready();
    const renew = (l: typeof busy) => (l as unknown as { renew(): Promise<boolean> }).renew();
    // Five seconds (on the ledger's clock) of 10 wins a second at 0.50: 5.00 a second.
    for (let second = 0; second < 5; second++) {
      t += 1000;
      for (let i = 0; i < 10; i++) {
        const d = bidder.bid(impression());
        if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
        await busy.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 500 });
      }
    }
    await renew(busy);
    const held = busy.metrics().headroom;
    // About 10 s of spend (50) against the idle instance's minimum.
    expect(held).toBeGreaterThan(35);
    expect(idle.metrics().headroom).toBeLessThanOrEqual(1);
    // Idle for a while: each renewal halves the rate, and the lease shrinks back to the pool.
    for (let second = 0; second < 4; second++) {
      t += 1000;
      await renew(busy);
    }
    expect(busy.metrics().headroom).toBeLessThan(held / 2);
    const s = await admin.status(c);
    expect(accounted(s)).toBeCloseTo(1000, 6);
  });

  it("a new instance's first lease is the fleet's typical lease, not the minimum: it does not renew again and again while it learns its rate", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 1000, ...far });
    let t = 0;
    const options = { leaseTtlMs: 600_000, leaseHorizonMs: 10_000, minChunk: 1, now: () => t };
    const first = ledgerOn(redis, c, options);
    await first.ready();
    // Nobody knows a rate yet: the minimum.
    expect(first.metrics().headroom).toBeLessThanOrEqual(1);
    const busy = ledgerOn(redis, c, options);
    const bidder = fleetBidder(busy, 1000);
    await busy.ready();
    // Three seconds of 10 wins a second at 0.50 (5.00 a second): about 50 for a 10 s horizon.
    for (let second = 0; second < 3; second++) {
      t += 1000;
      for (let i = 0; i < 10; i++) {
        const d = bidder.bid(impression());
        if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
        await busy.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 500 });
      }
    }
    const fresh = ledgerOn(redis, c, options);
    await fresh.ready();
    expect(fresh.metrics().roundTrips).toBe(1);
    expect(fresh.metrics().headroom).toBeGreaterThan(20);
    expect(fresh.metrics().headroom).toBeLessThan(80);
    expect(accounted(await admin.status(c))).toBeCloseTo(1000, 6);
  });

  it("an idle instance's lease is a few bids' worth (5), so the fleet's minimum leases do not drain a pool its spend needs", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 100, ...far });
    const ledgers = Array.from({ length: 4 }, () => ledgerOn(redis, c, { minChunk: 2, leaseTtlMs: 600_000 }));
    for (const ledger of ledgers) {
      const bidder = fleetBidder(ledger, 100, { outcomeTimeoutMs: 600_000 });
      await ledger.ready();
      // One bid of 1.00, lost: no spend, nothing in flight; the floor sizes the lease.
      const d = bidder.bid(impression());
      if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
      await ledger.recordOutcome({ decisionId: d.decisionId, won: false });
      await (ledger as unknown as { renew(): Promise<boolean> }).renew();
      expect(ledger.metrics().headroom).toBeCloseTo(5, 5);
    }
    const s = await admin.status(c);
    expect(s.outstanding).toBeCloseTo(20, 5);
    expect(s.pool).toBeCloseTo(80, 5);
    for (const ledger of ledgers) await ledger.close();
  });

  it("caps a grant at max(minChunk, pool / active leases)", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 90, ...far });
    const k = campaignKeys(c);
    const keys = [k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written];
    const call = (id: string, want: number) =>
      redis.call("EVAL", renewScript, "7", ...keys, "", id, "1", "0", String(want), "0", "60000", "1000000", "", "", "", id, "55000", "", "", "", "86400000") as Promise<unknown[]>;
    expect((await call("A", 10e6))[3]).toBe(10e6); // pool 80
    expect((await call("B", 10e6))[3]).toBe(10e6); // pool 70
    // A third asks for everything: 70 / 3 leases.
    expect((await call("C", 1000e6))[3]).toBe(Math.floor(70e6 / 3));
  });

  it("reaps a lease after its life (Redis TIME), returns its unspent part, and counts a later report apart", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 20, ...far });
    let t = 0;
    const clock = { now: () => t };
    const ledger = ledgerOn(redis, c, { leaseTtlMs: 200, outcomeGraceMs: 100, minChunk: 4, ...clock });
    const bidder = fleetBidder(ledger, 20);
    await ledger.ready();
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    expect((await admin.status(c)).outstanding).toBe(4);
    // The process "freezes" (its clock stands still) past the lease's life,
    // while another instance keeps renewing (its renewals reap).
    const other = ledgerOn(redis, c, { leaseTtlMs: 200, outcomeGraceMs: 100, minChunk: 1 });
    for (let i = 0; i < 12; i++) {
      await (other as unknown as { renew(): Promise<boolean> }).renew();
      await sleep(50);
    }
    const reaped = await admin.status(c);
    expect(reaped).toMatchObject({ leases: 1, outstanding: 1, pool: 19 });
    // Thawed: the ledger's clock jumps; it re-checks the deadline before bidding.
    const events: string[] = [];
    t = 10_000;
    expect(bidder.bid(impression()).reason).toBe("budget_unavailable");
    // The win notice of the bid made before the freeze arrives now: late, counted apart, never lost.
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 }).catch((e: unknown) => events.push(String(e)));
    const t0 = Date.now();
    let s = await admin.status(c);
    while (s.late === 0 && Date.now() - t0 < 5000) {
      await sleep(20);
      s = await admin.status(c);
    }
    expect(s.late).toBe(1);
    expect(accounted(s)).toBe(20);
    await other.close();
    // A new lease under a new id; bidding resumes.
    expect(await ledger.ready()).toBe(true);
    expect(ledger.metrics().leaseId).toMatch(/~1$/);
    expect(bidder.bid(impression()).noBid).toBe(false);
  });

  it("does not expire leases over a silence (Redis down or stalled): wins written after it are not late", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 20, ...far });
    // Life 300 ms; only a silence over 200 ms (TTL / 2 + grace) counts as an outage.
    const ledger = ledgerOn(redis, c, { leaseTtlMs: 200, outcomeGraceMs: 100, minChunk: 4 });
    const bidder = fleetBidder(ledger, 20);
    await ledger.ready();
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    // Nothing reaches Redis for 600 ms (as if it were down), then the win is written.
    await sleep(600);
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    const s = await admin.status(c);
    expect(s).toMatchObject({ spent: 1, late: 0 });
    expect(ledger.metrics().leaseId).toMatch(/~0$/);
    expect(accounted(s)).toBe(20);
  });

  it("falls back from EVALSHA to EVAL after SCRIPT FLUSH (one extra round trip)", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 20, ...far });
    const ledger = ledgerOn(redis, c, { minChunk: 1 });
    const bidder = fleetBidder(ledger, 20);
    await ledger.ready();
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    await redis.script("FLUSH");
    const before = ledger.metrics().roundTrips;
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    expect(ledger.metrics().roundTrips - before).toBe(2);
    expect((await admin.status(c)).spent).toBe(1);
  });

  it("a new instance's first lease is one round trip on a server that has not seen the script (EVAL, not EVALSHA then EVAL)", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 20, ...far });
    await redis.script("FLUSH");
    const ledger = ledgerOn(redis, c, { minChunk: 1 });
    const bidder = fleetBidder(ledger, 20);
    expect(await ledger.ready()).toBe(true);
    expect(ledger.metrics().roundTripsBy.start).toBe(1);
    // Later calls use EVALSHA: the script is cached now, so a write is one round trip too.
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 1000 });
    expect(ledger.metrics().roundTrips).toBe(2);
    expect((await admin.status(c)).spent).toBe(1);
    await ledger.close();
  });

  /** Instances a and b on a campaign of 10, and one bid of a's. */
  async function twoInstancesAndABid() {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 10, ...far });
    const a = ledgerOn(redis, c, { minChunk: 3, instanceId: "a" });
    const b = ledgerOn(redis, c, { minChunk: 3, instanceId: "b" });
    const bidderA = fleetBidder(a, 10);
    fleetBidder(b, 10);
    await a.ready();
    await b.ready();
    const d = bidderA.bid(impression());
    if (d.noBid) throw new Error("expected a bid");
    return { admin, c, a, b, d };
  }

  it("another instance's win is charged to its owner's live lease once; the owner stops drawing on it", async () => {
    const { admin, c, a, b, d } = await twoInstancesAndABid();
    // A's win notice reaches B (A looks dead to the exchange).
    expect(await b.recordOutcome({ decisionId: d.decisionId, won: true, spend: 0.8 })).toMatchObject({ applied: true, reason: "foreign_counted" });
    expect(await b.recordOutcome({ decisionId: d.decisionId, won: true, spend: 0.8 })).toMatchObject({ applied: false, reason: "foreign_duplicate" });
    const s = await admin.status(c);
    expect(s.spent).toBeCloseTo(0.8, 9);
    expect(accounted(s)).toBeCloseTo(10, 9);
    // A learns of it at its next renewal: its reservation and the foreign win are both held until the outcome times out.
    await (a as unknown as { renew(): Promise<boolean> }).renew();
    const m = a.metrics();
    expect(m.headroom).toBeCloseTo(m.granted - 1 - 0.8, 6);
  });

  it("a win its frozen owner reports after another instance did is counted once, and the owner may draw on the rest", async () => {
    const { admin, c, a, b, d } = await twoInstancesAndABid();
    // The notice reaches B while A is frozen, then A (thawed) processes it too.
    expect(await b.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 800 })).toMatchObject({ reason: "foreign_counted" });
    expect(await a.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 800 })).toMatchObject({ applied: true, spend: 0.8 });
    const s = await admin.status(c);
    expect(s.spent).toBeCloseTo(0.8, 9);
    expect(accounted(s)).toBeCloseTo(10, 9);
    // Counted as A's own now: A's lease no longer holds it back twice.
    const m = a.metrics();
    expect(m.headroom).toBeCloseTo(m.granted - 0.8, 6);
    // A third delivery, to B again: a duplicate.
    expect(await b.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 800 })).toMatchObject({ reason: "foreign_duplicate" });
    expect((await admin.status(c)).spent).toBeCloseTo(0.8, 9);
    await a.close();
    await b.close();
    expect(accounted(await admin.status(c))).toBeCloseTo(10, 9);
  });

  it("a win its owner wrote is a duplicate when the exchange delivers it again to another instance (the acknowledgement was lost)", async () => {
    const { admin, c, a, b, d } = await twoInstancesAndABid();
    // A writes the win; A is then frozen or killed before the exchange sees its acknowledgement.
    expect(await a.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 800 })).toMatchObject({ applied: true, spend: 0.8 });
    expect(await b.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 800 })).toMatchObject({ reason: "foreign_duplicate" });
    const s = await admin.status(c);
    expect(s.spent).toBeCloseTo(0.8, 9);
    expect(accounted(s)).toBeCloseTo(10, 9);
    // Remembered for the lease's life, and no longer.
    const k = campaignKeys(c);
    expect(await redis.zcard(k.written)).toBe(1);
    const ttl = await redis.pttl(k.written);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000 + 60_000);
    await a.close();
    await b.close();
  });

  it("a win counted late by another instance (its owner's lease reaped) is not counted again by the owner's late report", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 10, ...far });
    const k = campaignKeys(c);
    const renew = (seq: number, reported: number, ids: string) =>
      redis.call("EVAL", renewScript, "7", k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written, "", "A1", String(seq), String(reported), String(3e6 + reported), "0", "100", "1000000", "", "", "", "a", "55000", "", "", ids, "86400000") as Promise<unknown[]>;
    const report = (lease: string, id: string, micros: number) =>
      redis.call("EVAL", reportWinScript, "5", k.budget, k.leases, k.foreign, k.owners, k.written, "", lease, id, String(micros), "86400000", "a") as Promise<unknown[]>;
    expect((await renew(1, 0, ""))[0]).toBe("ok");
    await new Promise((r) => setTimeout(r, 150));
    // A second lease's renewal reaps A1 (life 100 ms); B then reports A's win: late.
    await redis.call("EVAL", renewScript, "7", k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written, "", "B1", "1", "0", "1000000", "0", "60000", "1000000", "", "", "", "b", "55000", "", "", "", "86400000");
    expect((await report("", "a.1", 800_000))[0]).toBe("late");
    // A, thawed, writes the same win: its lease is gone, and the win is in the books once.
    expect((await renew(2, 800_000, "a.1"))[0]).toBe("lease_lost");
    const s = await admin.status(c);
    expect(s.late).toBeCloseTo(0.8, 9);
    expect(accounted(s)).toBeCloseTo(10, 9);
  });

  it("carries the fleet's warm state in the first lease", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 10, ...far });
    const a = ledgerOn(redis, c);
    const bidderA = fleetBidder(a, 10, { pacing: { controller: "dual" } });
    await a.ready(); // reports A's state with the first renewal
    const b = ledgerOn(redis, c);
    await b.ready();
    const fromFleet = b.warmState();
    expect(fromFleet).toBeDefined();
    expect(fromFleet!["pacing"]).toEqual(bidderA.toJSON().pacing);
    const fresh = fleetBidder(b, 10, { pacing: { controller: "dual" } });
    const seeded = b.seedState(fresh.toJSON());
    expect(seeded.pacing).toEqual(bidderA.toJSON().pacing);
    expect(seeded.sequence).toBe(fresh.toJSON().sequence);
  });

  it("reports its work in metrics() and onEvent", async () => {
    const admin = adminOn(redis);
    const c = campaign();
    await admin.setBudget({ campaign: c, amount: 10, ...far });
    const events: FleetEvent[] = [];
    const ledger = createFleetLedger({ redis: fromIoredis(redis), campaign: c, minChunk: 2, onEvent: (e) => events.push(e) });
    const bidder = fleetBidder(ledger, 10);
    await ledger.ready();
    for (let i = 0; i < 3; i++) bidder.bid(impression());
    const m = ledger.metrics();
    expect(m).toMatchObject({ state: "active", bids: 2, renewals: 1, grants: 1, refusals: 1, granted: 2 });
    expect(m.roundTripsPerBid).toBe(m.roundTrips / 2);
    expect(m.redisWaitMs).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ type: "lease_granted", granted: 2, headroom: 2 });
    await ledger.close();
    expect(events.at(-1)).toMatchObject({ type: "released" });
    expect(bidder.bid(impression()).reason).toBe("budget_unavailable");
    const s = await admin.status(c);
    expect(s).toMatchObject({ leases: 0, outstanding: 0 });
    expect(accounted(s)).toBe(10);
  });
});
