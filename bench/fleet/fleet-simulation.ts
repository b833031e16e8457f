// A fleet of bidding instances (child processes) on one campaign budget, a
// market (this process) that holds the true spend from the win notices it
// sends, and the faults a platform inflicts: SIGKILL and replacement,
// SIGSTOP/SIGCONT (frozen Lambdas), Redis killed and restarted (AOF), and
// CLIENT PAUSE stalls. Used by test/fleet/fleet-simulation.test.ts (short)
// and `npm run bench:fleet` (50 instances).
import { fork, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { createFleetBudgetAdmin, fromIoredis } from "../../src/fleet/index.js";
import type { InstanceConfig, ToInstance, ToMarket } from "./fleet-messages.js";

/** The Redis server the simulation drives (it kills and restarts it). */
export interface SimulationRedis {
  readonly port: number;
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  start(): Promise<void>;
}

export interface SimulationOptions {
  /** The bundled fleet-instance script. */
  instanceScript: string;
  redis: SimulationRedis;
  instances: number;
  durationMs: number;
  mode: "lease" | "naive";
  settlement?: InstanceConfig["settlement"];
  budget: number;
  bidsPerSecond: number;
  /**
   * Bids come in bursts every this many ms (each burst one message to the
   * market, its losses one message back). Default 10. Longer bursts cost the
   * harness less CPU but are harder on a lease (a burst's bids are all in
   * flight at once, each holding its full price): at 50 ms, 20 instances bid
   * 63 times a second instead of 97, with twice the round trips per bid.
   */
  burstMs?: number;
  valueCpm: number;
  /** Share of bids the market wins. */
  winRate: number;
  faults: boolean;
  /** Which faults, when `faults` is on. Default all: kill, stop, restart, pause. */
  faultKinds?: ReadonlyArray<"kill" | "stop" | "restart" | "pause">;
  /** Last part of the run without faults, so reaped leases get spent. Default 30% of the duration. */
  quietTailMs?: number;
  leaseTtlMs?: number;
  outcomeGraceMs?: number;
  outcomeTimeoutMs?: number;
  minChunk?: number;
  /** How long the market waits for a win notice's acknowledgement before delivering it again. Default 500. */
  ackTimeoutMs?: number;
  campaign?: string;
  log?: (line: string) => void;
  /** After `durationMs`, how much longer the market may keep buying while spend still grows. Default 10 000. */
  maxOvertimeMs?: number;
  /** Called every `reportEveryMs` (default 2000) with each instance's true spend (from the market's win notices). */
  onReport?: (report: { elapsedMs: number; total: number; budget: number; instances: Array<{ id: string; spend: number; running: boolean }> }) => void;
  reportEveryMs?: number;
}

export interface SimulationResult {
  mode: string;
  instances: number;
  durationMs: number;
  /** Time run after `durationMs` while spend still grew. */
  overtimeMs: number;
  budget: number;
  trueSpend: number;
  overspend: number;
  budgetUse: number;
  bids: number;
  wins: number;
  roundTrips: number;
  /** Round trips by purpose, summed over instances (see the ledger's `roundTripsBy`). */
  roundTripsBy: Record<string, number>;
  roundTripsPerBid: number;
  /**
   * The steady state: from when every instance is up until the market has
   * spent 90% of the budget (faults included; the end of the budget, when
   * instances wait for returned money and bid little, excluded).
   */
  steady:
    | {
        ms: number;
        bids: number;
        roundTrips: number;
        roundTripsBy: Record<string, number>;
        roundTripsPerBid: number;
        /** Bids made, bid opportunities offered, and round trips, per second of a running instance. */
        bidsPerInstanceSecond: number;
        attemptsPerInstanceSecond: number;
        roundTripsPerInstanceSecond: number;
        /** Refused bid opportunities by reason. */
        noBids: Record<string, number>;
        /** Bids the market had received, and wins, by then (since the instances' start). */
        marketBids: number;
        wins: number;
      }
    | undefined;
  /** Bid opportunities offered over the whole run (bids + refusals), and refusals by reason. */
  attempts: number;
  noBids: Record<string, number>;
  /** Failed renewals over the run by cause: `timeout` (the ledger's time limit) or `error` (connection, server). */
  failedRenewals: Record<string, number>;
  /** CPU used over the run, as a share of one core: the market (this process) and all instances together. */
  marketCpu: number;
  instancesCpu: number;
  /** Accounting samples taken, and the largest |pool + outstanding + spent + late - total| seen. */
  samples: number;
  maxImbalance: number;
  redeliveries: number;
  unacked: number;
  faults: { kills: number; stops: number; redisRestarts: number; pauses: number };
  /** The campaign's books at the end (lease mode). */
  books: { pool: number; outstanding: number; spent: number; late: number; leases: number } | undefined;
  /** Time from a bid to its outcome notice (the market's loss or win): quantiles over instances' 250 ms medians. */
  outcomeMs: { p50: number; p90: number; max: number };
  decideP50Us: number;
  decideP99Us: number;
}

function quantiles(xs: number[]): { p50: number; p90: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[s.length >> 1] ?? 0, p90: s[Math.floor(s.length * 0.9)] ?? 0, max: s[s.length - 1] ?? 0 };
}

interface Instance {
  id: string;
  proc: ChildProcess;
  running: boolean;
  alive: boolean;
  last: Extract<ToMarket, { t: "metrics" }> | undefined;
}

interface Notice {
  id: string;
  owner: string;
  priceCpm: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function settlementName(s: SimulationOptions["settlement"]): string {
  if (typeof s !== "object") return "write-through";
  return s.acknowledge === "after_write" ? `write-through, batches of ${s.maxStaleMs} ms` : `batched ${s.maxStaleMs} ms`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends to an instance; one that was just killed drops the message (its pipe is gone). */
function post(inst: { proc: ChildProcess; alive: boolean }, m: ToInstance): void {
  if (inst.alive && inst.proc.connected) inst.proc.send(m, () => {});
}

export async function runFleetSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const log = o.log ?? (() => {});
  const campaign = o.campaign ?? `sim-${Date.now().toString(36)}`;
  const ackTimeout = o.ackTimeoutMs ?? 500;
  const control = new Redis({ port: o.redis.port, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  control.on("error", () => {});
  const admin = createFleetBudgetAdmin({ redis: fromIoredis(control), timeoutMs: 1000 });
  if (o.mode === "lease") await admin.setBudget({ campaign, amount: o.budget, periodStart: 0, periodEnd: 4e12 });
  else await control.set(`naive:{${campaign}}:spent`, "0");

  const instances = new Map<string, Instance>();
  const notices = new Map<string, Notice>();
  const p99s: number[] = [];
  const p50s: number[] = [];
  const outcomeP50s: number[] = [];
  let trueSpend = 0;
  const spendBy = new Map<string, number>();
  let wins = 0;
  let marketBids = 0;
  let going = false;
  let redeliveries = 0;
  let serial = 0;
  const faults = { kills: 0, stops: 0, redisRestarts: 0, pauses: 0 };
  const running = () => [...instances.values()].filter((i) => i.running);
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

  const deliver = (n: Notice) => {
    const owner = instances.get(n.owner);
    // The exchange's win notice reaches the owner when it is up, else any
    // running instance (a load balancer skips dead and frozen ones).
    const target = owner?.running ? owner : pick(running());
    if (target) post(target, { t: "win", id: n.id, priceCpm: n.priceCpm });
    n.timer = setTimeout(() => {
      if (!notices.has(n.id)) return;
      redeliveries++;
      deliver(n);
    }, ackTimeout);
  };

  const spawnInstance = () => {
    const id = `i${serial++}`;
    const config: InstanceConfig = {
      redisPort: o.redis.port,
      campaign,
      mode: o.mode,
      settlement: o.settlement ?? "write_through",
      budget: o.budget,
      bidsPerSecond: o.bidsPerSecond,
      burstMs: o.burstMs ?? 10,
      valueCpm: o.valueCpm,
      leaseTtlMs: o.leaseTtlMs ?? 2000,
      outcomeGraceMs: o.outcomeGraceMs ?? 1500,
      outcomeTimeoutMs: o.outcomeTimeoutMs ?? 1000,
      minChunk: o.minChunk ?? o.budget / 1000,
      instanceId: id,
    };
    const proc = fork(o.instanceScript, [JSON.stringify(config)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const inst: Instance = { id, proc, running: false, alive: true, last: undefined };
    instances.set(id, inst);
    // The market decides a bid; a win's notice is delivered (and again until acknowledged). False: lost.
    const auction = (bidId: string, bidCpm: number): boolean => {
      marketBids++;
      if (Math.random() >= o.winRate) return false;
      const priceCpm = bidCpm * (0.3 + 0.7 * Math.random());
      trueSpend += priceCpm / 1000;
      spendBy.set(id, (spendBy.get(id) ?? 0) + priceCpm / 1000);
      wins++;
      const n: Notice = { id: bidId, owner: id, priceCpm, timer: undefined };
      notices.set(bidId, n);
      deliver(n);
      return true;
    };
    proc.on("message", (m: ToMarket) => {
      switch (m.t) {
        case "ready":
          inst.running = true;
          if (going) post(inst, { t: "go" });
          break;
        case "bid":
          if (!auction(m.id, m.bidCpm)) post(inst, { t: "loss", id: m.id });
          break;
        case "bids": {
          const lost: string[] = [];
          for (let k = 0; k < m.ids.length; k++) if (!auction(m.ids[k]!, m.bidCpms[k]!)) lost.push(m.ids[k]!);
          if (lost.length > 0) post(inst, { t: "losses", ids: lost });
          break;
        }
        case "ack": {
          const n = notices.get(m.id);
          if (n) {
            clearTimeout(n.timer);
            notices.delete(m.id);
          }
          break;
        }
        case "metrics":
          inst.last = m;
          if (m.decideP99Us > 0) p99s.push(m.decideP99Us);
          if (m.decideP50Us > 0) p50s.push(m.decideP50Us);
          if (m.outcomeP50Ms > 0) outcomeP50s.push(m.outcomeP50Ms);
          break;
      }
    });
    proc.on("error", () => {});
    proc.on("exit", () => {
      inst.alive = false;
      inst.running = false;
    });
    return inst;
  };

  for (let i = 0; i < o.instances; i++) spawnInstance();
  const t0 = Date.now();
  while (running().length < o.instances && Date.now() - t0 < 60_000) {
    if ([...instances.values()].some((i) => !i.alive)) throw new Error("a fleet instance exited before it was ready");
    await sleep(50);
  }
  log(`${running().length} instances up in ${Date.now() - t0} ms`);
  // The fleet bids from here on, all together (instances that came up early
  // would otherwise take the budget before the run's clock starts).
  going = true;
  for (const i of instances.values()) post(i, { t: "go" });

  const metricsOf = () => {
    let bids = 0;
    let roundTrips = 0;
    let attempts = 0;
    let cpuMs = 0;
    const by: Record<string, number> = {};
    const noBids: Record<string, number> = {};
    const failed: Record<string, number> = {};
    for (const i of instances.values()) {
      bids += i.last?.bids ?? 0;
      roundTrips += i.last?.roundTrips ?? 0;
      attempts += i.last?.attempts ?? 0;
      cpuMs += i.last?.cpuMs ?? 0;
      for (const [k, v] of Object.entries(i.last?.roundTripsBy ?? {})) by[k] = (by[k] ?? 0) + v;
      for (const [k, v] of Object.entries(i.last?.noBids ?? {})) noBids[k] = (noBids[k] ?? 0) + v;
      for (const [k, v] of Object.entries(i.last?.failed ?? {})) failed[k] = (failed[k] ?? 0) + v;
    }
    return { bids, roundTrips, by, attempts, cpuMs, noBids, failed };
  };
  const start = Date.now();
  const marketCpu0 = process.cpuUsage();
  const atStart = metricsOf();
  // Instance-seconds lived by running instances (sampled), for per-instance rates.
  let instanceMs = 0;
  let lastCount = Date.now();
  const counter = setInterval(() => {
    const t = Date.now();
    instanceMs += running().length * (t - lastCount);
    lastCount = t;
  }, 100);
  let steady: SimulationResult["steady"];
  const steadyWatch = setInterval(() => {
    if (steady !== undefined || trueSpend < 0.9 * o.budget) return;
    const m = metricsOf();
    const bids = m.bids - atStart.bids;
    const roundTripsBy = Object.fromEntries(Object.entries(m.by).map(([k, v]) => [k, v - (atStart.by[k] ?? 0)]));
    const roundTrips = m.roundTrips - atStart.roundTrips;
    const perInstanceSecond = (x: number) => (instanceMs === 0 ? 0 : (1000 * x) / instanceMs);
    steady = {
      ms: Date.now() - start,
      bids,
      roundTrips,
      roundTripsBy,
      roundTripsPerBid: bids === 0 ? 0 : roundTrips / bids,
      bidsPerInstanceSecond: perInstanceSecond(bids),
      attemptsPerInstanceSecond: perInstanceSecond(m.attempts - atStart.attempts),
      roundTripsPerInstanceSecond: perInstanceSecond(roundTrips),
      noBids: Object.fromEntries(Object.entries(m.noBids).map(([k, v]) => [k, v - (atStart.noBids[k] ?? 0)])),
      marketBids,
      wins,
    };
  }, 50);
  let samples = 0;
  let maxImbalance = 0;
  const sampler = setInterval(() => {
    if (o.mode !== "lease") return;
    admin.status(campaign).then(
      (s) => {
        if (!s.exists) return;
        samples++;
        maxImbalance = Math.max(maxImbalance, Math.abs(s.pool + s.outstanding + s.spent + s.late - s.total));
      },
      () => {},
    );
  }, 200);
  const reporter = setInterval(() => {
    o.onReport?.({
      elapsedMs: Date.now() - start,
      total: trueSpend,
      budget: o.budget,
      instances: [...instances.values()].map((i) => ({ id: i.id, spend: spendBy.get(i.id) ?? 0, running: i.running })),
    });
    log(`t=${((Date.now() - start) / 1000).toFixed(1)}s spend ${trueSpend.toFixed(4)} / ${o.budget} (${((100 * trueSpend) / o.budget).toFixed(1)}%) running ${running().length}`);
  }, o.reportEveryMs ?? 2000);

  const faultEnd = start + o.durationMs - (o.quietTailMs ?? o.durationMs * 0.3);
  const kinds = new Set(o.faultKinds ?? ["kill", "stop", "restart", "pause"]);
  let restarted = !kinds.has("restart");
  let paused = !kinds.has("pause");
  let nextKill = start + 1500;
  let nextStop = start + 2200;
  const stopped = new Set<Instance>();
  while (Date.now() - start < o.durationMs) {
    await sleep(100);
    const t = Date.now();
    if (!o.faults || t >= faultEnd) continue;
    const progress = (t - start) / (faultEnd - start);
    if (t >= nextKill && kinds.has("kill")) {
      nextKill = t + 1500 + Math.random() * 1500;
      const victim = pick(running());
      if (victim) {
        victim.running = false;
        victim.proc.kill("SIGKILL");
        faults.kills++;
        spawnInstance();
      }
    }
    if (t >= nextStop && kinds.has("stop")) {
      nextStop = t + 2000 + Math.random() * 2000;
      const victim = pick(running());
      if (victim) {
        victim.running = false;
        victim.proc.kill("SIGSTOP");
        stopped.add(victim);
        faults.stops++;
        setTimeout(() => {
          victim.proc.kill("SIGCONT");
          stopped.delete(victim);
          if (victim.alive) victim.running = true;
        }, 500 + Math.random() * 2000);
      }
    }
    if (!restarted && progress >= 0.35) {
      restarted = true;
      log("fault: redis-server SIGKILL, restart (AOF)");
      await o.redis.stop("SIGKILL");
      await sleep(300);
      await o.redis.start();
      faults.redisRestarts++;
    }
    if (!paused && progress >= 0.65) {
      paused = true;
      log("fault: CLIENT PAUSE 1000 ALL");
      await control.call("CLIENT", "PAUSE", "1000", "ALL").catch(() => {});
      faults.pauses++;
    }
  }
  // Without faults, the market keeps buying while spend still grows (a busy
  // machine drains the last leases slowly), up to maxOvertimeMs more.
  const overtimeStart = Date.now();
  let lastSpend = -1;
  while (trueSpend < o.budget * 0.999 && trueSpend > lastSpend && Date.now() - overtimeStart < (o.maxOvertimeMs ?? 10_000)) {
    lastSpend = trueSpend;
    await sleep(2000);
  }
  const overtimeMs = Date.now() - overtimeStart;
  clearInterval(reporter);
  // Stop bidding, let outstanding notices be acknowledged (bounded), then read the books.
  for (const i of instances.values()) if (stopped.has(i)) i.proc.kill("SIGCONT");
  clearInterval(steadyWatch);
  const tDrain = Date.now();
  while (notices.size > 0 && Date.now() - tDrain < 10_000) await sleep(50);
  await sleep(300);
  const { bids, roundTrips, by, attempts, noBids, cpuMs, failed } = metricsOf();
  const marketCpu = process.cpuUsage(marketCpu0);
  const runMs = Date.now() - start;
  clearInterval(sampler);
  clearInterval(counter);
  const books = o.mode === "lease" ? await admin.status(campaign).catch(() => undefined) : undefined;
  for (const i of instances.values()) {
    if (i.alive && i.proc.pid) {
      try {
        process.kill(i.proc.pid, "SIGKILL");
      } catch {}
    }
  }
  for (const n of notices.values()) clearTimeout(n.timer);
  control.disconnect();
  const sortedP99 = p99s.sort((a, b) => a - b);
  const sortedP50 = p50s.sort((a, b) => a - b);
  return {
    mode: o.mode === "lease" ? `lease (${settlementName(o.settlement)})` : "naive INCRBYFLOAT",
    instances: o.instances,
    durationMs: o.durationMs,
    overtimeMs,
    budget: o.budget,
    trueSpend,
    overspend: Math.max(0, trueSpend - o.budget),
    budgetUse: trueSpend / o.budget,
    bids,
    wins,
    roundTrips,
    roundTripsBy: by,
    steady,
    roundTripsPerBid: bids === 0 ? 0 : roundTrips / bids,
    attempts,
    noBids,
    failedRenewals: failed,
    marketCpu: (marketCpu.user + marketCpu.system) / 1000 / runMs,
    instancesCpu: (cpuMs - atStart.cpuMs) / runMs,
    samples,
    maxImbalance,
    redeliveries,
    unacked: notices.size,
    faults,
    books: books && { pool: books.pool, outstanding: books.outstanding, spent: books.spent, late: books.late, leases: books.leases },
    outcomeMs: quantiles(outcomeP50s),
    decideP50Us: sortedP50[Math.floor(sortedP50.length / 2)] ?? 0,
    decideP99Us: sortedP99[Math.floor(sortedP99.length * 0.99)] ?? 0,
  };
}
