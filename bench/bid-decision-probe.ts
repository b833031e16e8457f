// Where bid()'s tail comes from, and a paired A/B of two builds of the bidder in one process.
//
//   npx esbuild bench/bid-decision-probe.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/bid-decision-probe.mjs --log-level=warning
//   node .build/bench/bid-decision-probe.mjs [--auctions N] [--rounds N] [--by-kind] [--alloc]
//
// It runs the default bidder (the suite's "Bid decision time": dual pacing on the value-aware
// plan, segmented first-price shading, a fresh bidder) over simulated stationary days after a
// warm-up day, timing every bid() and, at the same moments, an empty call (the timer's and the
// machine's floor). Per day: p50/p99/max, and what the calls above the day's p99 were (a
// garbage collection overlapping them, the first bid of an hour or of a pacing window, reason,
// shading). `--by-kind` adds quantiles per kind of call (second price, shaded first price,
// window end...); `--alloc` a day under V8's sampling heap profiler: bytes allocated per bid(),
// by allocation site.
//
// A/B: `--previous FILE.mjs` and `--current FILE.mjs` load two builds of the bidder (ESM bundles
// exporting createBidder; give both, as two identical builds loaded differently did not time
// alike). Both bid on every auction of the same days, in turn, the order alternating auction by
// auction, each with its own notices: a slow spell of the machine falls on both, so the A/B is
// paired call by call. The probe checks that both made the same decisions (a checksum of every
// decision's reason and prices, and the final state) and reports each one's figures, their
// ratio per round, and how often their slow calls fall on the same auctions:
//   git archive main src | tar -x -C /tmp/bid-previous
//   npx esbuild /tmp/bid-previous/src/bid/index.ts --bundle --platform=node --format=esm \
//     --outfile=/tmp/bid-previous/bid.mjs --log-level=warning
//   npx esbuild src/bid/index.ts --bundle --platform=node --format=esm \
//     --outfile=.build/bench/bid-current.mjs --log-level=warning
//   node .build/bench/bid-decision-probe.mjs --previous /tmp/bid-previous/bid.mjs \
//     --current .build/bench/bid-current.mjs --rounds 10
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Session } from "node:inspector";
import { createBidder, type BidDecision } from "../src/bid/index.js";
import { generateAuctionDay, market, type AuctionEvent } from "./auction/auction-generator.js";
import { scenarios } from "./auction/auction-scenarios.js";
import { baselines } from "./auction/bidder-baselines.js";
import { defaultBudgetShare } from "./auction/simulation-unit.js";
import { NoticeQueue } from "./auction/notice-queue.js";
import { bidRequestOf } from "./auction/simulate-day.js";
import { machineInfo } from "./suite/machine-info.js";
import { quantileSorted } from "./suite/quantiles.js";

type CreateBidder = typeof createBidder;

/** One day of one bidder: every bid()'s start and duration, and a checksum of its decisions. */
interface DayTrace {
  startedAt: Float64Array;
  micros: Float64Array;
  clock: Float64Array;
  reasons: string[];
  shaded: Uint8Array;
  firstPrice: Uint8Array;
  /** Outcomes delivered just before the call (the simulation's other work between bids). */
  outcomesBefore: Uint8Array;
  checksum: number;
  finalState: string;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Folds a number's exact bits into a checksum (FNV-style), so equal checksums mean bit-equal values. */
function fold(h: number, x: number): number {
  bits[0] = x;
  h = Math.imul(h ^ words[0]!, 16777619);
  return Math.imul(h ^ words[1]!, 16777619);
}
function foldString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

/**
 * The simulation's day (bench/auction/simulate-day.ts) for one or more builds of the bidder side
 * by side: same clock, options and notice delivery, without the metrics. Each build has its own
 * bidder and notices; they take every auction in turn (the order alternating auction by
 * auction), so a slow spell of the machine falls on both alike: the A/B is paired call by call.
 * `measure` replaces the timer around bid() (the allocation pass profiles instead).
 */
function runDay(
  creates: readonly CreateBidder[],
  events: readonly AuctionEvent[],
  budget: number,
  measure: (call: () => BidDecision) => BidDecision = timed,
): DayTrace[] {
  const baseline = baselines.find((b) => b.id === "default")!;
  const n = events.length;
  emptyMicros = new Float64Array(n);
  const runners = creates.map((create) => {
    const runner = {
      clock: 0,
      bidder: undefined as unknown as ReturnType<CreateBidder>,
      notices: new NoticeQueue(),
      setClock: (t: number): void => {
        runner.clock = t;
      },
      h: 2166136261,
      trace: {
        startedAt: new Float64Array(n),
        micros: new Float64Array(n),
        clock: new Float64Array(n),
        reasons: new Array<string>(n),
        shaded: new Uint8Array(n),
        firstPrice: new Uint8Array(n),
        outcomesBefore: new Uint8Array(n),
        checksum: 0,
        finalState: "",
      } satisfies DayTrace,
    };
    runner.bidder = create({
      budget: { amount: budget, periodStart: 0, periodEnd: market.dayMs },
      currency: "USD",
      currencyRates: { EUR: market.eurRate },
      now: () => runner.clock,
      seed: 7,
      networkMarginMs: 20,
      ...baseline.options,
    });
    return runner;
  });
  let last: BidDecision | undefined;
  const empty = (): BidDecision => last!;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const { at, input } = bidRequestOf(e);
    if (last !== undefined && measure === timed) {
      // The floor: the same timer around a call that does nothing, at the same moments.
      timed(empty);
      emptyMicros[i] = lastMicros;
    }
    for (let v = 0; v < runners.length; v++) {
      const r = runners[i % 2 === 0 ? v : runners.length - 1 - v]!;
      const { bidder, notices, trace } = r;
      const delivered = notices.deliverUntil(e.time, bidder, r.setClock);
      r.clock = at;
      const d = measure(() => bidder.bid(input));
      last = d;
      trace.startedAt[i] = lastStart;
      trace.micros[i] = lastMicros;
      trace.clock[i] = at;
      trace.reasons[i] = d.reason;
      trace.shaded[i] = !d.noBid && d.shaded ? 1 : 0;
      trace.firstPrice[i] = e.at === 1 ? 1 : 0;
      trace.outcomesBefore[i] = Math.min(255, delivered);
      r.h = fold(fold(fold(fold(foldString(r.h, d.reason), d.bidCpm), d.pacedCpm), d.valueCpm), d.pacingMultiplier);
      if (d.noBid) continue;
      const toWin = Math.max(e.competitorCpm, e.floorCpm);
      const won = d.bidCpm >= toWin;
      notices.addOutcome(e, d.decisionId, at, won ? (e.at === 1 ? d.bidCpm : toWin) : undefined, toWin);
    }
  }
  return runners.map((r) => {
    r.trace.checksum = r.h >>> 0;
    r.trace.finalState = JSON.stringify(r.bidder.toJSON());
    return r.trace;
  });
}

/** The empty timed call of each auction of the last day run (see runDay). */
let emptyMicros = new Float64Array(0);
let lastStart = 0;
let lastMicros = 0;
function timed(call: () => BidDecision): BidDecision {
  const started = performance.now();
  const d = call();
  lastMicros = (performance.now() - started) * 1000;
  lastStart = started;
  return d;
}

/** Garbage collections seen by the observer: start and end, on performance.now()'s clock. */
const collections: Array<[number, number]> = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push([entry.startTime, entry.startTime + entry.duration]);
});
observer.observe({ entryTypes: ["gc"] });
/** Lets the observer deliver what it queued (entries arrive on a later turn). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

interface Stats {
  p50: number;
  p99: number;
  max: number;
}
function stats(micros: Float64Array): Stats {
  const sorted = Float64Array.from(micros).sort();
  return { p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** What the calls above the day's p99 were. */
function tail(trace: DayTrace, p99: number): Record<string, number> {
  const out: Record<string, number> = {};
  const count = (key: string): void => {
    out[key] = (out[key] ?? 0) + 1;
  };
  let slow = 0;
  for (let i = 0; i < trace.micros.length; i++) {
    if (!(trace.micros[i]! > p99)) continue;
    slow++;
    const start = trace.startedAt[i]!;
    const end = start + trace.micros[i]! / 1000;
    if (collections.some(([a, b]) => a < end && b > start)) count("gc overlapped");
    const previous = i > 0 ? trace.clock[i - 1]! : -1;
    if (Math.floor(trace.clock[i]! / 3_600_000) !== Math.floor(previous / 3_600_000)) count("first bid of an hour");
    // The default update interval is a minute (a 1440th of the day); the cold start's windows are 6 s.
    if (Math.floor(trace.clock[i]! / 60_000) !== Math.floor(previous / 60_000)) count("first bid of a minute (window end)");
    else if (trace.clock[i]! < 600_000 && Math.floor(trace.clock[i]! / 6_000) !== Math.floor(previous / 6_000)) count("first bid of a cold window");
    count(`reason ${trace.reasons[i]}`);
    if (trace.shaded[i] === 1) count("shaded");
  }
  out["calls above p99"] = slow;
  return out;
}

/** The kind of a call, for the per-kind quantiles: where the time goes by path. */
function kindOf(trace: DayTrace, i: number): string {
  const previous = i > 0 ? trace.clock[i - 1]! : -1;
  if (Math.floor(trace.clock[i]! / 3_600_000) !== Math.floor(previous / 3_600_000)) return "first of an hour";
  if (Math.floor(trace.clock[i]! / 60_000) !== Math.floor(previous / 60_000)) return "first of a window";
  const reason = trace.reasons[i]!;
  const placed = reason.startsWith("ai_") || reason.startsWith("heuristic_") || reason === "fallback_prediction";
  if (!placed) return `no-bid ${reason}`;
  if (trace.firstPrice[i] === 0) return "bid, second price";
  return trace.shaded[i] === 1 ? "bid, first price, shaded" : "bid, first price, not shaded";
}

function byKind(trace: DayTrace): void {
  const kinds = new Map<string, number[]>();
  for (let i = 0; i < trace.micros.length; i++) {
    const k = kindOf(trace, i);
    let list = kinds.get(k);
    if (list === undefined) kinds.set(k, (list = []));
    list.push(trace.micros[i]!);
  }
  for (let i = 0; i < trace.micros.length; i++) {
    const k = trace.outcomesBefore[i] === 0 ? "(any) no outcome just before" : "(any) outcome(s) just before";
    let list = kinds.get(k);
    if (list === undefined) kinds.set(k, (list = []));
    list.push(trace.micros[i]!);
  }
  for (const [k, list] of [...kinds].sort((a, b) => b[1].length - a[1].length)) {
    const s = stats(Float64Array.from(list));
    console.log(`  ${k.padEnd(30)} ${String(list.length).padStart(6)} calls: p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} us`);
  }
}

/**
 * Bytes allocated per bid(), by allocation site: one day under V8's sampling heap profiler
 * (every ~64 bytes, objects already collected included), summing what was allocated with the
 * bidder's `bid` on the stack.
 */
async function allocationPass(create: CreateBidder, events: readonly AuctionEvent[], budget: number): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post("HeapProfiler.startSampling", {
    samplingInterval: 64,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const bids = runDay([create], events, budget)[0]!.reasons.length;
  const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: { head: HeapNode } };
  session.disconnect();
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, inBid: boolean, below: string): void => {
    const frame = node.callFrame;
    const isBid = frame.functionName === "bid" && !inBid;
    const here = inBid || isBid;
    const site = isBid ? "bid" : here ? `${frame.functionName || "(anonymous)"}:${frame.lineNumber + 1}` : below;
    if (here && node.selfSize > 0) {
      total += node.selfSize;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here, site);
  };
  walk(profile.head, false, "");
  console.log(`allocated under bid(): ${(total / bids).toFixed(0)} B per call (${bids} calls, sampled every 64 B); by site (line in the bundle):`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${site.padEnd(40)} ${(bytes / bids).toFixed(0).padStart(5)} B per call`);
  }
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const auctions = Number(argValue(args, "--auctions") ?? 40_000);
  const previousPath = argValue(args, "--previous");
  const rounds = Number(argValue(args, "--rounds") ?? (previousPath === undefined ? 3 : 10));
  if (!(auctions >= 100) || !(rounds >= 1)) throw new Error("usage: [--auctions N>=100] [--rounds N>=1] [--previous FILE.mjs --current FILE.mjs] [--by-kind] [--alloc]");
  const variants: Array<[string, CreateBidder]> = [["this tree", createBidder]];
  const currentPath = argValue(args, "--current");
  if (currentPath !== undefined) {
    // Both builds loaded alike (each its own bundle, imported at run time): bundled into the
    // probe, this tree's bidder read 0.67x the p50 of an identical copy imported beside it.
    variants[0] = ["this tree", ((await import(pathToFileURL(currentPath).href)) as { createBidder: CreateBidder }).createBidder];
  }
  if (previousPath !== undefined) {
    const previous = (await import(pathToFileURL(previousPath).href)) as { createBidder: CreateBidder };
    variants.unshift(["previous", previous.createBidder]);
  }
  const m = machineInfo();
  console.log(`bid() probe: ${auctions} auctions/day, ${rounds} round(s), ${m.cpu} x${m.cores}, node ${m.node}, load ${m.load.map((l) => l.toFixed(2)).join(" ")}`);

  const stationary = scenarios[0]!;
  const warmUp = generateAuctionDay(2, stationary, auctions);
  const day = generateAuctionDay(1, stationary, auctions);
  const budget = defaultBudgetShare * day.worthwhileCost;
  const creates = variants.map(([, create]) => create);
  // A warm-up day (as the suite does), so every timed day runs warm code.
  runDay(creates, warmUp.events, defaultBudgetShare * warmUp.worthwhileCost);

  if (args.includes("--alloc")) {
    for (const [name, create] of variants) {
      console.log(`\n${name}:`);
      await allocationPass(create, day.events, budget);
    }
  }

  const all = variants.map(() => [] as Float64Array[]);
  const floors: Float64Array[] = [];
  let reference: DayTrace | undefined;
  for (let round = 0; round < rounds; round++) {
    collections.length = 0;
    const traces = runDay(creates, day.events, budget);
    await settle();
    const gcs = collections.length;
    const floor = stats(emptyMicros);
    console.log(`round ${round + 1} empty timed call p50 ${floor.p50.toFixed(2)} p99 ${floor.p99.toFixed(2)} max ${floor.max.toFixed(0)} us`);
    floors.push(emptyMicros);
    traces.forEach((trace, v) => {
      const name = variants[v]![0];
      if (reference === undefined) reference = trace;
      else if (trace.checksum !== reference.checksum || trace.finalState !== reference.finalState) {
        throw new Error(`${name} decided differently: checksum ${trace.checksum} vs ${reference.checksum}`);
      }
      all[v]!.push(trace.micros);
      const s = stats(trace.micros);
      const t = tail(trace, s.p99);
      console.log(
        `round ${round + 1} ${name.padEnd(9)} p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(0)} us` +
          `${v === 0 ? `, ${gcs} collections in the round` : ""}; above p99: ${Object.entries(t).map(([k, c]) => `${k} ${c}`).join(", ")}`,
      );
    });
  }

  if (args.includes("--by-kind")) {
    variants.forEach(([name], v) => {
      console.log(`\n${name}, last round, by kind of call:`);
      byKind({ ...reference!, micros: all[v]![all[v]!.length - 1]! });
    });
  }
  console.log(`\nchecksum of decisions ${reference!.checksum} (identical across ${variants.length > 1 ? "builds and rounds" : "rounds"})`);
  const summary = [...variants.map(([name]) => name), "empty timed call"].map((name, v) => {
    const days = all[v] ?? floors;
    const joined = new Float64Array(days.reduce((n, d) => n + d.length, 0));
    let o = 0;
    for (const d of days) {
      joined.set(d, o);
      o += d.length;
    }
    let sum = 0;
    for (const x of joined) sum += x;
    const perRound = days.map((d) => stats(d).p99);
    return { name, ...stats(joined), mean: sum / joined.length, perRound };
  });
  for (const s of summary) {
    const sorted = [...s.perRound].sort((a, b) => a - b);
    console.log(
      `${s.name.padEnd(16)} all rounds: mean ${s.mean.toFixed(2)} p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(0)} us; ` +
        `rounds' p99 median ${quantileSorted(sorted, 0.5).toFixed(2)} (${sorted[0]!.toFixed(2)}-${sorted[sorted.length - 1]!.toFixed(2)}) us`,
    );
  }
  if (variants.length === 2) {
    // Whether the slow calls of the two builds fall on the same auctions (a cause in the auction
    // or the moment) or apart (a cause in each build's own state), and whether they cluster.
    const [a, b] = [all[0]!, all[1]!];
    let both = 0;
    let slowA = 0;
    let neighbour = 0;
    for (let k = 0; k < a.length; k++) {
      const pa = stats(a[k]!).p99;
      const pb = stats(b[k]!).p99;
      for (let i = 1; i < a[k]!.length; i++) {
        if (!(a[k]![i]! > pa)) continue;
        slowA++;
        if (b[k]![i]! > pb) both++;
        if (a[k]![i - 1]! > pa) neighbour++;
      }
    }
    console.log(
      `slow calls (above the round's p99) of the previous build: ${((100 * both) / slowA).toFixed(1)}% fall on auctions where this tree's call ` +
        `is slow too, ${((100 * neighbour) / slowA).toFixed(1)}% follow a slow call of their own (1% if independent)`,
    );
  }
  if (summary.length === 3) {
    const [a, b] = summary as [(typeof summary)[0], (typeof summary)[0]];
    const ratios = b.perRound.map((p, k) => p / a.perRound[k]!).sort((x, y) => x - y);
    console.log(
      `this tree / previous: mean ${(b.mean / a.mean).toFixed(2)}x, p50 ${(b.p50 / a.p50).toFixed(2)}x, p99 ${(b.p99 / a.p99).toFixed(2)}x; ` +
        `per round p99 ratio median ${quantileSorted(ratios, 0.5).toFixed(2)}x (${ratios[0]!.toFixed(2)}-${ratios[ratios.length - 1]!.toFixed(2)})`,
    );
  }
  console.log(`load after: ${machineInfo().load.map((l) => l.toFixed(2)).join(" ")}`);
  observer.disconnect();
}

await main();
