// One bidding instance of the fleet simulation (a child process): a bidder on
// the fleet ledger (or the naive alternative), bidding at a steady rate into
// the market (the parent) and settling the notices the market sends back.
import { Redis } from "ioredis";
import { createBidder, type BidInput } from "../../src/bid/index.js";
import { createFleetLedger, fromIoredis } from "../../src/fleet/index.js";
import type { InstanceConfig, ToInstance, ToMarket } from "./fleet-messages.js";

const config = JSON.parse(process.argv[2]!) as InstanceConfig;
const send = (m: ToMarket) => process.send?.(m);
const redis = new Redis({ port: config.redisPort, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => 100 });
redis.on("error", () => {});
const now = Date.now();
const hour = 3_600_000;
// LTV chosen so a bid is worth valueCpm: 1000 * p * ltv.
const input: BidInput = {
  prediction: { predictedLtv: config.valueCpm / 10, confidence: 1, ltvLowerBound: 0, ltvUpperBound: 0, status: 0, modelVersion: "sim" },
  conversionRate: 0.01,
  auction: { at: 2 },
};
const decide: number[] = [];
let bids = 0;
// Bid opportunities the traffic offered (bid or not), and why bids were refused.
let attempts = 0;
const noBids: Record<string, number> = {};
const failed: Record<string, number> = {};
// When each bid was sent, for the time until its outcome notice came back (ms).
const sentAt = new Map<string, number>();
const outcomeMs: number[] = [];
const noticed = (id: string) => {
  const t = sentAt.get(id);
  if (t === undefined) return;
  sentAt.delete(id);
  outcomeMs.push(performance.now() - t);
};

if (config.mode === "lease") {
  const ledger = createFleetLedger({
    redis: fromIoredis(redis),
    campaign: config.campaign,
    instanceId: config.instanceId,
    minChunk: config.minChunk,
    leaseTtlMs: config.leaseTtlMs,
    outcomeGraceMs: config.outcomeGraceMs,
    settlement: config.settlement,
    // The ledger's default time limit: 300 ms timed out hundreds of renewals a run on the loaded shared machine.
    redisTimeoutMs: 500,
    backoffBaseMs: 50,
    backoffMaxMs: 1000,
    // Failed renewals by cause (a time limit, or the connection), for the output.
    onEvent: (e) => {
      if (e.type !== "renew_failed") return;
      const kind = /deadline|timed? ?out/i.test(e.error) ? "timeout" : /NOSCRIPT/.test(e.error) ? "noscript" : "error";
      failed[kind] = (failed[kind] ?? 0) + 1;
    },
  });
  await ledger.ready();
  const options = {
    budget: { amount: config.budget, periodStart: now - hour, periodEnd: now + hour },
    pacing: { controller: "none" as const },
    shading: false,
    riskAdjustment: "none" as const,
    outcomeTimeoutMs: config.outcomeTimeoutMs,
    ...ledger.bidderOptions(),
  };
  const bidder = createBidder(options);
  ledger.attach(bidder);
  const lost = (id: string) => {
    noticed(id);
    ledger.recordOutcome({ decisionId: id, won: false }).catch(() => {});
  };
  process.on("message", (m: ToInstance) => {
    if (m.t === "stop") return void ledger.close().finally(() => process.exit(0));
    if (m.t === "go") return;
    if (m.t === "losses") return void m.ids.forEach(lost);
    if (m.t === "loss") return void lost(m.id);
    noticed(m.id);
    // Write-through: acknowledge the notice only once the win is in Redis.
    ledger.recordOutcome({ decisionId: m.id, won: true, priceCpm: m.priceCpm }).then(
      () => send({ t: "ack", id: m.id }),
      () => {},
    );
  });
  const tick = () => {
    attempts++;
    const t0 = performance.now();
    const d = bidder.bid(input);
    decide.push((performance.now() - t0) * 1000);
    if (!d.noBid) {
      bids++;
      sentAt.set(d.decisionId, performance.now());
      burst.ids.push(d.decisionId);
      burst.bidCpms.push(d.bidCpm);
    } else noBids[d.reason] = (noBids[d.reason] ?? 0) + 1;
  };
  // The bids of a burst go to the market as one message.
  let burst = { ids: [] as string[], bidCpms: [] as number[] };
  const endBurst = () => {
    if (burst.ids.length > 0) send({ t: "bids", ...burst });
    burst = { ids: [], bidCpms: [] };
  };
  startTraffic(tick, endBurst, () => {
    const m = ledger.metrics();
    return { bids: m.bids, roundTrips: m.roundTrips, roundTripsBy: m.roundTripsBy, refusals: m.refusals, redisWaitMs: m.redisWaitMs };
  });
} else {
  // The alternative a user would otherwise write: read the fleet's spend
  // before each bid (one round trip), bid if it leaves room, INCRBYFLOAT per win.
  const key = `naive:{${config.campaign}}:spent`;
  let roundTrips = 0;
  let incrs = 0;
  let refusals = 0;
  let seq = 0;
  const cost = config.valueCpm / 1000;
  process.on("message", (m: ToInstance) => {
    if (m.t === "stop") process.exit(0);
    if (m.t !== "win") return;
    roundTrips++;
    incrs++;
    redis.incrbyfloat(key, m.priceCpm / 1000).then(
      () => send({ t: "ack", id: m.id }),
      () => {},
    );
  });
  let busy = false;
  const tick = () => {
    attempts++;
    if (busy) return;
    busy = true;
    roundTrips++;
    const t0 = performance.now();
    redis.get(key).then(
      (v) => {
        decide.push((performance.now() - t0) * 1000);
        busy = false;
        if (Number(v ?? 0) + cost > config.budget) {
          refusals++;
          return;
        }
        bids++;
        send({ t: "bid", id: `${config.instanceId}.${seq++}`, bidCpm: config.valueCpm });
      },
      () => {
        busy = false;
        refusals++;
      },
    );
  };
  startTraffic(tick, () => {}, () => ({ bids, roundTrips, roundTripsBy: { get: roundTrips - incrs, incr: incrs }, refusals, redisWaitMs: 0 }));
}

function startTraffic(
  tick: () => void,
  endBurst: () => void,
  counters: () => { bids: number; roundTrips: number; roundTripsBy: Record<string, number>; refusals: number; redisWaitMs: number },
) {
  // Bids in small bursts every burstMs, at the configured rate by the clock
  // (a starved or thawed process catches up, as real traffic would queue),
  // from the market's "go": the whole fleet starts together, and a
  // replacement as soon as it is up.
  let carry = 0;
  let last = performance.now();
  process.on("message", (m: ToInstance) => {
    if (m.t !== "go") return;
    last = performance.now();
    setInterval(traffic, config.burstMs);
  });
  const traffic = () => {
    const t = performance.now();
    carry += ((t - last) * config.bidsPerSecond) / 1000;
    last = t;
    if (carry > config.bidsPerSecond) carry = config.bidsPerSecond;
    for (; carry >= 1; carry--) tick();
    endBurst();
  };
  setInterval(() => {
    const sorted = decide.splice(0).sort((a, b) => a - b);
    const q = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
    const o = outcomeMs.splice(0).sort((a, b) => a - b);
    const cpu = process.cpuUsage();
    send({
      t: "metrics",
      ...counters(),
      attempts,
      noBids,
      failed,
      cpuMs: (cpu.user + cpu.system) / 1000,
      outcomeP50Ms: o[o.length >> 1] ?? 0,
      decideP50Us: q(0.5),
      decideP99Us: q(0.99),
    });
  }, 250);
  send({ t: "ready" });
}
