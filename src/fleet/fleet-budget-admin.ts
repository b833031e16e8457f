import { Code, ConnectError } from "@connectrpc/connect";
import { invalidArgument } from "../validation/invalid-argument.js";
import { campaignKeys, type CampaignKeys } from "./campaign-keys.js";
import type { FleetRedisClient } from "./fleet-redis-client.js";
import { setBudgetScript, statusScript } from "./lease-scripts.js";
import { fromMicros, replyNumber, replyString, requireAmount, toMicros } from "./money-units.js";
import { ScriptRunner } from "./script-runner.js";

/** Options of {@link createFleetBudgetAdmin}. */
export interface FleetBudgetAdminOptions {
  /** The Redis client (see {@link FleetRedisClient}). Required. */
  redis: FleetRedisClient;
  /** Prefix of every key. Default `"syncvalue:fleet"`. */
  keyPrefix?: string;
  /** Time limit of one Redis call, ms. Default 2000. */
  timeoutMs?: number;
}

/** A campaign's budget, as `setBudget` takes it. */
export interface FleetBudget {
  /** The campaign id (the Redis hash tag). Required. */
  campaign: string;
  /** Total for the period, in the bidders' currency. Required, >= 0. */
  amount: number;
  /** Start of the period, ms since the epoch. Required. */
  periodStart: number;
  /** End of the period (exclusive), ms since the epoch. Required, > periodStart. */
  periodEnd: number;
}

/** What `setBudget` did. */
export interface SetBudgetResult {
  /** `created` (seeded), `updated` (total or period changed), `unchanged` (a repeat). */
  status: "created" | "updated" | "unchanged";
  /** Random id of this seeding: a campaign wiped and seeded again has a new one, which running instances refuse. */
  epoch: string;
  /** Incremented by each change. */
  generation: number;
}

/**
 * A campaign's books. At every instant
 * `pool + outstanding + spent + late = total` (to the micro-unit).
 */
export interface FleetBudgetStatus {
  campaign: string;
  /** False when the campaign has no books (never seeded, or Redis was wiped). */
  exists: boolean;
  epoch: string;
  generation: number;
  total: number;
  /** Not leased to any instance. Negative when spend reported beyond the budget (late reports, a restored Redis). */
  pool: number;
  /** Reported spend of live and released leases. */
  spent: number;
  /** Spend reported after its lease had expired, counted apart. */
  late: number;
  /** Granted to leases not yet reaped, and not reported spent. */
  outstanding: number;
  /** Leases not yet reaped. */
  leases: number;
  /** Times a lease was found behind its holder (Redis restored from an older copy) and re-asserted. */
  restored: number;
  periodStart: number;
  periodEnd: number;
  /** Redis's clock at the read, ms. */
  redisTime: number;
}

/** Seeds, changes and reads campaign budgets. */
export interface FleetBudgetAdmin {
  /**
   * Seeds a campaign (only when it has no books: `SET NX`-style) or changes
   * its total or period. Absolute, so a repeated call changes nothing and
   * never double-counts; a raised total adds the difference to the pool, a
   * lowered one takes it out (the pool may go negative: instances then get
   * no new grants until spend or leases bring it back).
   */
  setBudget(budget: FleetBudget): Promise<SetBudgetResult>;
  /** Reads the books (read-only: expired leases count as outstanding until a renewal reaps them). */
  status(campaign: string): Promise<FleetBudgetStatus>;
}

/** Creates the admin side of the fleet budget. */
export function createFleetBudgetAdmin(options: FleetBudgetAdminOptions): FleetBudgetAdmin {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "are required");
  const redis = options.redis;
  if (redis === null || typeof redis !== "object" || typeof redis.evalSha !== "function" || typeof redis.evalScript !== "function") {
    throw invalidArgument("redis", "must be a FleetRedisClient (evalSha and evalScript)");
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) throw invalidArgument("timeoutMs", "must be a number > 0");
  const keyPrefix = options.keyPrefix;
  campaignKeys("x", keyPrefix);
  const setter = new ScriptRunner(redis, setBudgetScript);
  const reader = new ScriptRunner(redis, statusScript);
  const keysOf = (campaign: unknown): CampaignKeys => campaignKeys(campaign, keyPrefix);
  const noop = () => {};

  return {
    async setBudget(budget: FleetBudget): Promise<SetBudgetResult> {
      if (budget === null || typeof budget !== "object") throw invalidArgument("budget", "is required");
      const keys = keysOf(budget.campaign);
      const amount = requireAmount("amount", budget.amount);
      if (typeof budget.periodStart !== "number" || !Number.isFinite(budget.periodStart)) {
        throw invalidArgument("periodStart", "must be a finite number");
      }
      if (typeof budget.periodEnd !== "number" || !Number.isFinite(budget.periodEnd) || budget.periodEnd <= budget.periodStart) {
        throw invalidArgument("periodEnd", "must be a finite number after periodStart");
      }
      const epoch = crypto.randomUUID();
      const reply = (await setter.run(
        [keys.budget],
        [String(toMicros(amount)), String(budget.periodStart), String(budget.periodEnd), epoch],
        timeoutMs,
        noop,
      )) as unknown[];
      return {
        status: replyString(reply[0]) as SetBudgetResult["status"],
        epoch: replyString(reply[1]),
        generation: replyNumber(reply[2]),
      };
    },
    async status(campaign: string): Promise<FleetBudgetStatus> {
      const k = keysOf(campaign);
      const r = (await reader.run([k.budget, k.leases], [], timeoutMs, noop)) as unknown[];
      if (!Array.isArray(r) || r.length < 13) throw new ConnectError("fleet status: unexpected reply from Redis", Code.Internal);
      const m = (i: number) => fromMicros(replyNumber(r[i]));
      return {
        campaign,
        exists: replyString(r[0]) === "ok",
        epoch: replyString(r[1]),
        generation: replyNumber(r[2]),
        total: m(3),
        pool: m(4),
        spent: m(5),
        late: m(6),
        outstanding: m(7),
        leases: replyNumber(r[8]),
        restored: replyNumber(r[9]),
        periodStart: Number(replyString(r[10]) || 0),
        periodEnd: Number(replyString(r[11]) || 0),
        redisTime: replyNumber(r[12]),
      };
    },
  };
}
