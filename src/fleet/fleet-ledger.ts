import { Code, ConnectError } from "@connectrpc/connect";
import type { BudgetSource } from "../bid/budget-source.js";
import { fullJitterBackoffMs } from "../call/backoff.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { campaignKeys, type CampaignKeys } from "./campaign-keys.js";
import type { FleetEvent, FleetLedgerMetrics, FleetRoundTripPurpose } from "./fleet-event.js";
import type { FleetLedgerOptions } from "./fleet-ledger-options.js";
import { renewScript, reportWinScript } from "./lease-scripts.js";
import { fromMicros, microsPerUnit, replyNumber, replyString, requireAmount, toMicrosUp } from "./money-units.js";
import { ScriptRunner } from "./script-runner.js";

/** The bidder as the ledger uses it: its outcomes and its (opaque) state. */
export interface FleetBidder {
  recordOutcome(outcome: {
    decisionId: string;
    won: boolean;
    priceCpm?: number;
    minBidToWinCpm?: number;
  }): { applied: boolean; reason: string; spend: number };
  toJSON(): unknown;
}

/** A win or loss notice, as the exchange sent it, for any instance's decision. */
export interface FleetOutcome {
  /** The decision id (`instanceId.n`). Required. */
  decisionId: string;
  /** Whether the impression was won. Required. */
  won: boolean;
  /** Clearing price, CPM, auction currency (see the bidder's `recordOutcome`). */
  priceCpm?: number;
  /** OpenRTB minimum bid to win, CPM, for the bidder's win-rate model. */
  minBidToWinCpm?: number;
  /**
   * The win's cost in the bidder's currency, for a decision of another
   * instance (whose bid this instance does not know). Default `priceCpm / 1000`.
   */
  spend?: number;
}

/** What `recordOutcome` did. */
export interface FleetOutcomeResult {
  /** False for an unknown or already settled decision of this instance, or a foreign win counted already. */
  applied: boolean;
  /**
   * The bidder's reason for this instance's decisions; for another
   * instance's win `foreign_counted` (charged to its live lease),
   * `foreign_late` (its lease was gone: counted apart), `foreign_duplicate`
   * (counted already: reported by another instance, or written by its owner
   * within its lease's life), and `foreign_loss` (nothing to do).
   */
  reason: string;
  /** Spend recorded, bidder currency. */
  spend: number;
}

/**
 * A campaign budget shared by a fleet through Redis, as a `BudgetSource` (from `syncvalue/bid`)
 * for one bidder: pass `ledger.bidderOptions()` to `createBidder`.
 */
export interface FleetLedger extends BudgetSource {
  /** This instance's id. */
  readonly instanceId: string;
  /** Prefix of this ledger's decision ids (`instanceId-suffix.`): give it to `createBidder` as `idPrefix`. */
  readonly decisionIdPrefix: string;
  /**
   * Takes the first lease (with the fleet's warm state). Resolves true when a
   * lease is held; false when Redis could not be reached or the campaign has
   * no books (bids are refused until a later renewal succeeds).
   */
  ready(): Promise<boolean>;
  /** The fleet's warm state from the first lease: the `warmStateFields` of a peer's bidder state, or undefined. */
  warmState(): Record<string, unknown> | undefined;
  /** `state` with the fleet's warm fields laid over it: pass it as `createBidder({ state })` to start warm. */
  seedState<S extends object>(state: S): S;
  /** `{ budgetSource, idPrefix }` for `createBidder`. */
  bidderOptions(): { budgetSource: BudgetSource; idPrefix: string };
  /** The bidder whose outcomes `recordOutcome` settles and whose warm state is reported. */
  attach(bidder: FleetBidder): void;
  /**
   * Settles a win or loss notice, this instance's or another's. With
   * write-through settlement a win resolves once it is in Redis (reject:
   * do not acknowledge the notice, so it is delivered again).
   */
  recordOutcome(outcome: FleetOutcome): Promise<FleetOutcomeResult>;
  /** Writes unwritten spend now. Rejects with `Unavailable` when Redis cannot be reached. */
  flush(): Promise<void>;
  /** Writes spend and returns the lease's unspent part to the pool; the ledger then refuses. */
  close(): Promise<void>;
  /** Counters (see {@link FleetLedgerMetrics}). */
  metrics(): FleetLedgerMetrics;
}

interface Held {
  micros: number;
  lease: number;
}

type LedgerState = FleetLedgerMetrics["state"];

const expiredMemory = 4096;
const rateWindowMs = 1000;
/**
 * A lease always covers at least this many bids of the average reservation.
 * A few: each bid reserves its full price (its spend is a small share of
 * that), so 20 made an idle instance's lease several times its spend, and a
 * fleet's floors alone could drain a pool that their spend needed.
 */
const bidsPerLease = 5;
const foreignMemoryMs = 86_400_000;
/**
 * The most decision ids of unwritten wins a write carries (Redis checks them
 * against other instances' reports of the same wins). Beyond it, after a
 * long outage, the oldest go unchecked: a win then reported by its owner and
 * by another instance is counted twice, never less than once.
 */
const unwrittenIdsMax = 10_000;

/** Creates the fleet ledger of one bidder. See {@link FleetLedgerOptions} for every option and default. */
export function createFleetLedger(options: FleetLedgerOptions): FleetLedger {
  return new Ledger(options);
}

function positive(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) throw invalidArgument(field, "must be a finite number > 0");
  return value;
}

/**
 * The ledger's state machine: `starting` (no lease yet) -> `active` (holds a
 * lease; bids within it until its deadline) -> back to `starting` when the
 * lease was reaped (a new lease id), `unavailable` while the campaign has no
 * books (retried with backoff), `stopped` for good when the campaign was
 * seeded again under a new epoch, `closed` after `close()`.
 */
class Ledger implements FleetLedger {
  readonly instanceId: string;
  readonly decisionIdPrefix: string;
  private readonly owner: string;
  private readonly keys: CampaignKeys;
  private readonly renewer: ScriptRunner;
  private readonly reporter: ScriptRunner;
  private readonly ttl: number;
  private readonly life: number;
  private readonly horizon: number;
  private readonly minChunk: number;
  private readonly maxChunk: number;
  private readonly maxStaleMs: number | undefined;
  private readonly ackAfterWrite: boolean;
  private readonly timeoutMs: number;
  private readonly backoffBase: number;
  private readonly backoffMax: number;
  private readonly warmFields: readonly string[];
  private readonly warmInterval: number;
  private readonly onEvent: ((e: FleetEvent) => void) | undefined;
  private readonly clock: () => number;
  private readonly random: () => number;

  private state: LedgerState = "starting";
  private leaseN = 0;
  private leaseId: string;
  private epoch = "";
  private seq = 0;
  // Micro-units. granted/foreign as last confirmed by Redis; own* are this lease's.
  private granted = 0;
  private foreign = 0;
  private written = 0;
  private wantInFlight = -1;
  private ownSpent = 0;
  private ownReserved = 0;
  private inDoubt = 0;
  private inDoubtNew = 0;
  private lastPool = 1;
  private readonly reservations = new Map<string, Held>();
  private readonly expired = new Map<string, Held>();
  // This lease's wins not yet confirmed written, in order, with ownSpent once each was added.
  private unwritten: { id: string; upTo: number }[] = [];
  private deadline = -Infinity;
  private wallDeadline = -Infinity;
  private renewAt = -Infinity;
  private lowWater = 0;
  private nextAttemptAt = 0;
  private attempt = 0;
  private starved = 0;
  private rate = 0;
  private rateKnown = false;
  private lastRateAt = NaN;
  private lastRateSpent = 0;
  private spentEver = 0;
  private avgCost = 0;
  private inflight: Promise<boolean> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  // The batch the timer will write at `dueAt` (acknowledge "after_write": wins wait on it).
  private batch: { promise: Promise<void>; settle: (p: Promise<void>) => void; dueAt: number } | undefined;
  private warm: Record<string, unknown> | undefined;
  private lastWarmSentAt = -Infinity;
  private bidder: FleetBidder | undefined;
  private readonly m = {
    bids: 0,
    renewals: 0,
    grants: 0,
    failures: 0,
    roundTrips: 0,
    redisWaitMs: 0,
    refusals: 0,
    foreignReports: 0,
    lateReports: 0,
  };
  private readonly trips: Record<FleetRoundTripPurpose, number> = { start: 0, renew: 0, write: 0, starved: 0, retry: 0, report: 0, release: 0 };
  // One counter per purpose, made once: the callbacks run on every call.
  private readonly countRoundTrip = Object.fromEntries(
    (Object.keys(this.trips) as FleetRoundTripPurpose[]).map((p) => [
      p,
      () => {
        this.m.roundTrips++;
        this.trips[p]++;
      },
    ]),
  ) as Record<FleetRoundTripPurpose, () => void>;

  constructor(o: FleetLedgerOptions) {
    if (o === null || typeof o !== "object") throw invalidArgument("options", "are required");
    const redis = o.redis;
    if (redis === null || typeof redis !== "object" || typeof redis.evalSha !== "function" || typeof redis.evalScript !== "function") {
      throw invalidArgument("redis", "must be a FleetRedisClient (evalSha and evalScript)");
    }
    this.keys = campaignKeys(o.campaign, o.keyPrefix);
    const id = o.instanceId ?? crypto.randomUUID().slice(0, 8);
    if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      throw invalidArgument("instanceId", "must be 1 to 64 letters, digits, '_' or '-'");
    }
    this.instanceId = id;
    if (o.random !== undefined && typeof o.random !== "function") throw invalidArgument("random", "must be a function");
    this.random = o.random ?? Math.random;
    // A random suffix per ledger: a process restarted under the same
    // instanceId must not reuse its predecessor's lease or decision ids.
    this.owner = `${id}-${Math.floor(this.random() * 2 ** 40).toString(36)}`;
    this.decisionIdPrefix = `${this.owner}.`;
    this.leaseId = `${this.owner}~0`;
    this.ttl = positive("leaseTtlMs", o.leaseTtlMs, 10_000);
    this.life = this.ttl + positive("outcomeGraceMs", o.outcomeGraceMs, 60_000);
    this.horizon = positive("leaseHorizonMs", o.leaseHorizonMs, this.ttl);
    this.minChunk = toMicrosUp(requireAmount("minChunk", o.minChunk ?? 1));
    if (this.minChunk <= 0) throw invalidArgument("minChunk", "must be > 0");
    this.maxChunk = o.maxChunk === undefined ? Number.MAX_SAFE_INTEGER : toMicrosUp(requireAmount("maxChunk", o.maxChunk));
    if (this.maxChunk < this.minChunk) throw invalidArgument("maxChunk", "must be >= minChunk");
    const settlement = o.settlement ?? "write_through";
    if (settlement === "write_through") {
      this.maxStaleMs = undefined;
      this.ackAfterWrite = true;
    } else if (settlement !== null && typeof settlement === "object") {
      this.maxStaleMs = positive("settlement.maxStaleMs", settlement.maxStaleMs, 0);
      const ack = settlement.acknowledge ?? "at_once";
      if (ack !== "at_once" && ack !== "after_write") throw invalidArgument("settlement.acknowledge", `must be "at_once" or "after_write"`);
      this.ackAfterWrite = ack === "after_write";
    } else throw invalidArgument("settlement", `must be "write_through" or { maxStaleMs, acknowledge? }`);
    this.timeoutMs = positive("redisTimeoutMs", o.redisTimeoutMs, 500);
    this.backoffBase = positive("backoffBaseMs", o.backoffBaseMs, 100);
    this.backoffMax = positive("backoffMaxMs", o.backoffMaxMs, 5000);
    const fields = o.warmStateFields ?? ["pacing", "winRate", "priorLtv"];
    if (!Array.isArray(fields) || fields.some((f) => typeof f !== "string")) {
      throw invalidArgument("warmStateFields", "must be an array of field names");
    }
    this.warmFields = fields;
    this.warmInterval = positive("warmStateIntervalMs", o.warmStateIntervalMs, 10_000);
    if (o.onEvent !== undefined && typeof o.onEvent !== "function") throw invalidArgument("onEvent", "must be a function");
    this.onEvent = o.onEvent;
    if (o.now !== undefined && typeof o.now !== "function") throw invalidArgument("now", "must be a function");
    this.clock = o.now ?? (() => performance.now());
    this.renewer = new ScriptRunner(redis, renewScript);
    this.reporter = new ScriptRunner(redis, reportWinScript);
  }

  // --- BudgetSource: the bid path. Synchronous, no I/O (renewals start in the background).

  headroom(): number {
    const t = this.clock();
    if (this.state !== "active" || t >= this.deadline || Date.now() >= this.wallDeadline) {
      // Also the thaw check: a process frozen past its deadline sees it here, before its first bid.
      this.maybeRenew(t);
      return 0;
    }
    const g = this.wantInFlight >= 0 && this.wantInFlight < this.granted ? this.wantInFlight : this.granted;
    const h = g - this.foreign - this.ownSpent - this.ownReserved - this.inDoubt;
    if (h < this.lowWater || (t >= this.renewAt && !this.batchRenewsSoon())) this.maybeRenew(t);
    // One micro-unit kept back: a reservation is rounded up to whole micro-units.
    return h > 1 ? (h - 1) / microsPerUnit : 0;
  }

  refusal(): "budget_unavailable" | "budget_exhausted" {
    this.m.refusals++;
    const t = this.clock();
    const held = this.state === "active" && t < this.deadline && Date.now() < this.wallDeadline;
    return held && this.lastPool <= 0 ? "budget_exhausted" : "budget_unavailable";
  }

  reserve(id: string, cost: number): void {
    const micros = toMicrosUp(cost);
    this.reservations.set(id, { micros, lease: this.leaseN });
    this.ownReserved += micros;
    this.avgCost = this.avgCost === 0 ? micros : this.avgCost + 0.05 * (micros - this.avgCost);
    this.m.bids++;
  }

  settle(id: string, reserved: number, spend: number, expired: boolean): void {
    if (reserved > 0) {
      const h = this.reservations.get(id);
      if (h === undefined) return;
      this.reservations.delete(id);
      const current = h.lease === this.leaseN;
      if (current) this.ownReserved = this.reservations.size === 0 ? 0 : Math.max(0, this.ownReserved - h.micros);
      if (expired) {
        // The outcome never came: the bid may yet have won, and its notice may
        // have gone to another instance. Keep the money until a renewal sent
        // from now on returns (its foreign counter then includes such a win).
        if (current) {
          this.inDoubt += h.micros;
          this.inDoubtNew += h.micros;
        }
        this.expired.set(id, h);
        if (this.expired.size > expiredMemory) this.expired.delete(this.expired.keys().next().value as string);
        return;
      }
      if (spend > 0) this.addSpend(h, id, spend);
    } else if (spend > 0) {
      const h = this.expired.get(id) ?? { micros: 0, lease: this.leaseN };
      this.expired.delete(id);
      this.addSpend(h, id, spend);
    }
  }

  // --- The rest of the API.

  async ready(): Promise<boolean> {
    if (this.state === "active" && this.clock() < this.deadline) return true;
    if (this.state === "stopped" || this.state === "closed") return false;
    let ok = await this.renew("start");
    // A lost lease is followed at once by a fresh one.
    if (!ok && this.state === "starting") ok = await this.renew("start");
    return ok;
  }

  warmState(): Record<string, unknown> | undefined {
    return this.warm;
  }

  seedState<S extends object>(state: S): S {
    if (state === null || typeof state !== "object") throw invalidArgument("state", "must be an object");
    if (this.warm === undefined) return state;
    const seeded: Record<string, unknown> = { ...(state as Record<string, unknown>) };
    for (const f of this.warmFields) if (f in this.warm) seeded[f] = this.warm[f];
    return seeded as S;
  }

  bidderOptions(): { budgetSource: BudgetSource; idPrefix: string } {
    return { budgetSource: this, idPrefix: this.decisionIdPrefix };
  }

  attach(bidder: FleetBidder): void {
    if (bidder === null || typeof bidder !== "object" || typeof bidder.recordOutcome !== "function" || typeof bidder.toJSON !== "function") {
      throw invalidArgument("bidder", "must be a Bidder");
    }
    this.bidder = bidder;
  }

  async recordOutcome(outcome: FleetOutcome): Promise<FleetOutcomeResult> {
    if (outcome === null || typeof outcome !== "object") throw invalidArgument("outcome", "is required");
    if (typeof outcome.decisionId !== "string" || outcome.decisionId.length === 0) {
      throw invalidArgument("decisionId", "must be a non-empty string");
    }
    if (typeof outcome.won !== "boolean") throw invalidArgument("won", "must be a boolean");
    if (outcome.decisionId.startsWith(this.decisionIdPrefix)) {
      if (this.bidder === undefined) throw invalidArgument("bidder", "is not attached: call ledger.attach(bidder) first");
      const r = this.bidder.recordOutcome(outcome);
      // A repeated notice (the first acknowledgement was lost) waits for the write too.
      if (this.ackAfterWrite && this.ownSpent > this.written) await (this.batch?.promise ?? this.flush());
      return { applied: r.applied, reason: r.reason, spend: r.spend };
    }
    const dot = outcome.decisionId.lastIndexOf(".");
    const owner = dot > 0 ? outcome.decisionId.slice(0, dot) : "";
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(owner)) throw invalidArgument("decisionId", "is not a fleet decision id (instanceId.n)");
    if (!outcome.won) return { applied: false, reason: "foreign_loss", spend: 0 };
    let spend: number;
    if (outcome.spend !== undefined) spend = requireAmount("spend", outcome.spend);
    else if (outcome.priceCpm !== undefined) spend = requireAmount("priceCpm", outcome.priceCpm) / 1000;
    else throw invalidArgument("spend", "or priceCpm is required for another instance's win");
    const status = await this.reportWin("", owner, outcome.decisionId, toMicrosUp(spend));
    if (status === "duplicate") return { applied: false, reason: "foreign_duplicate", spend: 0 };
    this.m.foreignReports++;
    if (status === "late") this.m.lateReports++;
    return { applied: true, reason: status === "late" ? "foreign_late" : "foreign_counted", spend };
  }

  async flush(): Promise<void> {
    const lease = this.leaseN;
    const need = this.ownSpent;
    while (this.leaseN === lease && this.written < need) {
      if (this.state === "stopped" || this.state === "closed") {
        throw new ConnectError(`fleet ledger is ${this.state}: spend not written`, Code.FailedPrecondition);
      }
      const ok = await this.renew("write");
      if (!ok && this.leaseN === lease && this.written < need) {
        throw new ConnectError("fleet ledger: spend not written to Redis", Code.Unavailable);
      }
    }
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    const held = this.state === "active" || this.granted > 0;
    // Closed first: no bid and no renewal starts from here on.
    this.state = "closed";
    this.deadline = -Infinity;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    const batch = this.batch;
    this.batch = undefined;
    await this.inflight;
    const released = !held || (await this.send(true, "release"));
    // Wins waiting on the cancelled batch were written by the release, or not at all.
    batch?.settle(released ? Promise.resolve() : Promise.reject(new ConnectError("fleet ledger: spend not written to Redis", Code.Unavailable)));
    if (!released) throw new ConnectError("fleet ledger: lease not released", Code.Unavailable);
  }

  metrics(): FleetLedgerMetrics {
    const h = this.headroomMicros();
    return {
      state: this.state,
      leaseId: this.leaseId,
      ...this.m,
      roundTripsBy: { ...this.trips },
      roundTripsPerBid: this.m.bids === 0 ? 0 : this.m.roundTrips / this.m.bids,
      granted: fromMicros(this.granted),
      spent: fromMicros(this.ownSpent),
      unwritten: fromMicros(Math.max(0, this.ownSpent - this.written)),
      headroom: fromMicros(h > 0 ? h : 0),
    };
  }

  // --- Internals.

  private headroomMicros(): number {
    if (this.state !== "active" || this.clock() >= this.deadline) return 0;
    const g = this.wantInFlight >= 0 && this.wantInFlight < this.granted ? this.wantInFlight : this.granted;
    return g - this.foreign - this.ownSpent - this.ownReserved - this.inDoubt;
  }

  private addSpend(h: Held, id: string, spend: number): void {
    const micros = toMicrosUp(spend);
    if (h.lease === this.leaseN && this.state !== "closed") {
      this.ownSpent += micros;
      this.spentEver += micros;
      this.unwritten.push({ id, upTo: this.ownSpent });
      if (this.unwritten.length > unwrittenIdsMax) this.unwritten.shift();
      if (this.maxStaleMs === undefined) {
        this.flush().catch(() => {});
      } else if (this.flushTimer === undefined) {
        // One write for every win of the next maxStaleMs (or sooner, with a renewal).
        let settle: (p: Promise<void>) => void = () => {};
        const promise = new Promise<void>((resolve) => (settle = resolve));
        promise.catch(() => {});
        const batch = { promise, settle, dueAt: this.clock() + this.maxStaleMs };
        this.batch = batch;
        this.flushTimer = setTimeout(() => {
          this.flushTimer = undefined;
          if (this.batch === batch) this.batch = undefined;
          const written = this.flush();
          written.catch(() => {});
          batch.settle(written);
        }, this.maxStaleMs);
      }
      return;
    }
    // A win of a lease this instance no longer holds (reaped while frozen, or released): counted apart.
    const lease = `${this.owner}~${h.lease}`;
    this.reportWin(lease, this.owner, id, micros).catch(() => {});
  }

  private dropWritten(): void {
    let n = 0;
    while (n < this.unwritten.length && this.unwritten[n].upTo <= this.written) n++;
    if (n > 0) this.unwritten.splice(0, n);
  }

  private settleBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    batch.settle(Promise.resolve());
  }

  private async reportWin(leaseId: string, owner: string, decisionId: string, micros: number): Promise<string> {
    const k = this.keys;
    const t0 = this.clock();
    try {
      const r = (await this.reporter.run(
        [k.budget, k.leases, k.foreign, k.owners, k.written],
        [this.epoch, leaseId, decisionId, String(micros), String(foreignMemoryMs), owner],
        this.timeoutMs,
        this.countRoundTrip.report,
      )) as unknown[];
      const status = replyString(r[0]);
      if (status === "late") this.emit({ type: "late_report", leaseId: leaseId || owner, amount: fromMicros(micros) });
      if (status === "no_campaign" || status === "epoch_mismatch") {
        throw new ConnectError(`fleet ledger: win not counted (${status})`, Code.FailedPrecondition);
      }
      return status;
    } finally {
      this.m.redisWaitMs += this.clock() - t0;
    }
  }

  /**
   * Whether a pending batch write will renew the lease before three
   * quarters of its life: the routine renewal (at half its life) then waits
   * for it, so a healthy instance makes one round trip per batch, not two.
   */
  private batchRenewsSoon(): boolean {
    return this.batch !== undefined && this.batch.dueAt < this.deadline - this.ttl / 4;
  }

  private maybeRenew(t: number): void {
    if (this.inflight !== undefined || t < this.nextAttemptAt || this.state === "stopped" || this.state === "closed") return;
    const purpose: FleetRoundTripPurpose =
      this.state === "starting"
        ? "start"
        : this.attempt > 0 || this.state === "unavailable"
          ? "retry"
          : this.starved > 0 && t < this.renewAt
            ? "starved"
            : "renew";
    this.renew(purpose).catch(() => {});
  }

  private renew(purpose: FleetRoundTripPurpose = "renew"): Promise<boolean> {
    if (this.inflight !== undefined) return this.inflight;
    if (this.state === "stopped" || this.state === "closed") return Promise.resolve(false);
    const p = this.send(false, purpose).finally(() => {
      this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  /** One settle-and-renew round trip. Resolves true when a lease is held after it. */
  private async send(release: boolean, purpose: FleetRoundTripPurpose): Promise<boolean> {
    const t0 = this.clock();
    const wall0 = Date.now();
    const seq = ++this.seq;
    const reported = this.ownSpent;
    const committed = this.ownSpent + this.ownReserved + this.inDoubt;
    // The spend rate, over windows of at least a second (write-through
    // renewals can follow each other within milliseconds, too short to say).
    if (Number.isNaN(this.lastRateAt)) {
      this.lastRateAt = t0;
      this.lastRateSpent = this.spentEver;
    } else if (t0 - this.lastRateAt >= rateWindowMs) {
      const observed = (this.spentEver - this.lastRateSpent) / (t0 - this.lastRateAt);
      this.rate = this.rateKnown ? 0.5 * this.rate + 0.5 * observed : observed;
      this.rateKnown = true;
      this.lastRateAt = t0;
      this.lastRateSpent = this.spentEver;
    }
    // Enough for the horizon's spend, the bids in flight twice over, and
    // always a few bids: a busy instance renews rarely, an idle one holds little.
    const wanted = Math.max(this.minChunk, Math.ceil(this.rate * this.horizon) + 2 * this.ownReserved, bidsPerLease * this.avgCost);
    const target = Math.min(this.maxChunk, Math.ceil(wanted));
    const want = release ? 0 : committed + this.foreign + target;
    this.wantInFlight = want;
    const clearing = this.inDoubtNew;
    this.inDoubtNew = 0;
    const askWarm = this.warm === undefined && this.leaseN === 0 && this.seq === 1;
    let warmIn = "";
    if (this.bidder !== undefined && t0 - this.lastWarmSentAt >= this.warmInterval) {
      warmIn = this.pickWarm();
      this.lastWarmSentAt = t0;
    }
    let ids = "";
    for (const w of this.unwritten) {
      if (w.upTo > reported) break;
      ids = ids === "" ? w.id : `${ids} ${w.id}`;
    }
    const k = this.keys;
    let r: unknown[];
    try {
      r = (await this.renewer.run(
        [k.budget, k.leases, k.expiry, k.reaped, k.owners, k.foreign, k.written],
        [
          this.epoch,
          this.leaseId,
          String(seq),
          String(reported),
          String(want),
          String(this.granted),
          String(this.life),
          String(this.minChunk),
          warmIn,
          askWarm ? "1" : "",
          release ? "1" : "",
          this.owner,
          String(this.life - this.ttl / 2),
          // The fleet learns a typical lease from instances that know their
          // rate; one that does not yet (a new instance) is given that.
          this.rateKnown && !release ? String(target) : "",
          !this.rateKnown && this.granted === 0 && !release ? "1" : "",
          ids,
          String(this.life),
        ],
        this.timeoutMs,
        this.countRoundTrip[purpose],
      )) as unknown[];
      if (!Array.isArray(r) || r.length < 10) throw new ConnectError("fleet ledger: unexpected reply from Redis", Code.Internal);
    } catch (e) {
      // The request may still be applied: Redis then holds at least min(old grant, want).
      this.granted = Math.min(this.granted, want);
      this.wantInFlight = -1;
      this.inDoubtNew += clearing;
      this.fail(t0, e);
      return false;
    } finally {
      this.m.redisWaitMs += this.clock() - t0;
    }
    this.wantInFlight = -1;
    const status = replyString(r[0]);
    const pool = replyNumber(r[7]);
    this.lastPool = pool;
    switch (status) {
      case "ok":
      case "restored": {
        this.epoch = replyString(r[1]);
        const g = replyNumber(r[3]);
        if (g > this.granted) this.m.grants++;
        this.granted = g;
        this.written = Math.max(this.written, replyNumber(r[4]));
        this.dropWritten();
        this.foreign = replyNumber(r[5]);
        this.inDoubt = Math.max(0, this.inDoubt - clearing);
        this.deadline = t0 + this.ttl;
        this.wallDeadline = wall0 + this.ttl;
        this.renewAt = t0 + this.ttl / 2;
        // Renew at half the target (or half the lease, when the fleet's
        // typical lease sized it). Granted less than asked (capped: others
        // share the pool), at half of what was granted: asking again sooner
        // would get no more than this instance's share.
        const held = g - committed - this.foreign;
        this.lowWater = g < want ? Math.max(held / 2, 2 * this.avgCost) : Math.max(target, held) / 2;
        this.state = "active";
        this.attempt = 0;
        // Granted less than asked (the pool is low or capped): the next
        // low-water renewal waits a jittered while, so a fleet at the end of
        // its budget does not renew on every bid. With the pool too low to
        // fund this instance's target (asking again would get a sliver),
        // money comes back only when a lease expires (the script says when
        // the first may), shrinks or is released: wait for the first expiry,
        // or the routine renewal at half the lease's life, whichever comes
        // first.
        if (g < want) {
          let wait = fullJitterBackoffMs(this.starved++, this.backoffBase, Math.min(this.backoffMax, this.ttl / 4), this.random);
          if (pool < Math.max(this.minChunk, target)) {
            const nextExpiry = replyNumber(r[10]);
            const expiresIn = nextExpiry > 0 ? nextExpiry - replyNumber(r[8]) : Infinity;
            wait = Math.max(wait, Math.min(this.ttl / 2, expiresIn + this.random() * this.backoffBase));
          }
          this.nextAttemptAt = t0 + wait;
        } else {
          this.nextAttemptAt = 0;
          this.starved = 0;
        }
        this.m.renewals++;
        // This call wrote every win so far: it was the batch's write (the
        // batch's wins are acknowledged now, and the timer has nothing to do).
        if (this.batch !== undefined && this.written >= this.ownSpent) this.settleBatch();
        if (askWarm) this.warm = parseWarm(r[9]);
        if (status === "restored") this.emit({ type: "restored", leaseId: this.leaseId });
        this.emit({
          type: "lease_granted",
          leaseId: this.leaseId,
          granted: fromMicros(g),
          headroom: fromMicros(Math.max(0, this.headroomMicros())),
          pool: fromMicros(pool),
          waitMs: this.clock() - t0,
        });
        return true;
      }
      case "released":
        this.written = reported;
        this.dropWritten();
        this.granted = replyNumber(r[3]);
        this.deadline = -Infinity;
        this.emit({ type: "released", leaseId: this.leaseId });
        return true;
      case "lease_lost": {
        // Reaped while this instance could not renew (frozen, cut off). This
        // call counted its spend as late; whatever was spent since it was
        // sent goes the same way. A new lease begins.
        const old = this.leaseId;
        const rest = this.ownSpent - reported;
        if (rest > 0) this.reportWin(old, this.owner, `${old}#rest${seq}`, rest).catch(() => {});
        this.leaseN++;
        this.leaseId = `${this.owner}~${this.leaseN}`;
        this.seq = 0;
        this.granted = 0;
        this.foreign = 0;
        this.written = 0;
        this.ownSpent = 0;
        this.ownReserved = 0;
        this.inDoubt = 0;
        this.inDoubtNew = 0;
        this.unwritten = [];
        this.deadline = -Infinity;
        this.state = "starting";
        this.nextAttemptAt = 0;
        this.m.failures++;
        this.emit({ type: "lease_lost", leaseId: old });
        return false;
      }
      case "epoch_mismatch":
        // Seeded again since this instance joined (a wipe, then setBudget):
        // its spend is not in the new books, so drawing from them could
        // spend the budget twice. Stop for good.
        this.state = "stopped";
        this.deadline = -Infinity;
        this.m.failures++;
        this.emit({ type: "stopped", reason: "epoch_mismatch" });
        return false;
      case "no_campaign": {
        // Never seeded, or Redis lost everything: nothing to draw from.
        this.state = "unavailable";
        this.deadline = -Infinity;
        this.m.failures++;
        const wait = this.backoff(t0);
        this.emit({ type: "unavailable", reason: "no_campaign", retryInMs: wait });
        return false;
      }
      default:
        // "stale" cannot answer the only request in flight; treat anything unexpected as a failure.
        this.fail(t0, new Error(`unexpected lease status ${status}`));
        return false;
    }
  }

  private fail(t0: number, e: unknown): void {
    this.m.failures++;
    const wait = this.backoff(t0);
    this.emit({
      type: "renew_failed",
      leaseId: this.leaseId,
      error: String((e as Error)?.message ?? e),
      deadlineInMs: Math.max(0, this.deadline - this.clock()),
      retryInMs: wait,
    });
  }

  private backoff(t0: number): number {
    let wait = fullJitterBackoffMs(this.attempt++, this.backoffBase, this.backoffMax, this.random);
    // A lease with time and money left needs no quick retry: wait a jittered
    // quarter to half of its time left (a fleet's retries after an outage
    // spread over seconds, not a burst of short backoffs), still well before
    // its deadline. So does one whose last renewal was granted less than it
    // asked (the pool was short): a quick retry would get a sliver at best,
    // and at the end of a budget that is most of the fleet.
    const left = this.deadline - t0;
    if (this.state === "active" && left > 0 && (this.starved > 0 || this.headroomMicros() >= this.lowWater)) {
      wait = Math.max(wait, left * (0.25 + 0.25 * this.random()));
    }
    this.nextAttemptAt = t0 + wait;
    return wait;
  }

  private pickWarm(): string {
    try {
      const state = this.bidder?.toJSON() as Record<string, unknown> | undefined;
      if (state === undefined || state === null || typeof state !== "object") return "";
      const picked: Record<string, unknown> = {};
      for (const f of this.warmFields) if (state[f] !== undefined) picked[f] = state[f];
      return JSON.stringify(picked);
    } catch {
      return "";
    }
  }

  private emit(e: FleetEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(e);
    } catch {
      // An observer's error must not break the ledger.
    }
  }
}

function parseWarm(v: unknown): Record<string, unknown> | undefined {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string" || v === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
