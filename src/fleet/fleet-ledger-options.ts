import type { FleetEvent } from "./fleet-event.js";
import type { FleetRedisClient } from "./fleet-redis-client.js";

/**
 * When win notices reach Redis.
 *
 * - `"write_through"` (default): `recordOutcome` of a win resolves only once
 *   the win is in Redis (wins arriving together share one round trip).
 *   Acknowledge the exchange's win notice after it: a notice that is not
 *   acknowledged is delivered again, to this or another instance, so an
 *   instance killed holding wins loses none of them and the fleet never
 *   overspends (see docs/fleet-budgets.md for the exact conditions).
 * - `{ maxStaleMs }`: batched. Wins are written at the latest `maxStaleMs`
 *   after the first unwritten one (or with the next renewal). Fewer round
 *   trips; with `acknowledge: "at_once"` (default) `recordOutcome` resolves at
 *   once and an instance killed holding unwritten wins overspends by at most
 *   what it won in its last `maxStaleMs` plus one Redis round trip, and never
 *   more than the lease it held.
 * - `{ maxStaleMs, acknowledge: "after_write" }`: write-through in batches.
 *   Written as above, but `recordOutcome` resolves only once its batch is in
 *   Redis: the overspend of write-through (zero), with one round trip per
 *   batch instead of per win, for acknowledgements up to `maxStaleMs` later.
 */
export type FleetSettlement = "write_through" | { maxStaleMs: number; acknowledge?: "at_once" | "after_write" };

/** Options of {@link createFleetLedger}. Amounts are in the bidder's currency. */
export interface FleetLedgerOptions {
  /** The Redis client (see {@link FleetRedisClient}). Required. */
  redis: FleetRedisClient;
  /** The campaign id; all its keys share the `{campaign}` hash tag. Required. */
  campaign: string;
  /** Prefix of every key. Default `"syncvalue:fleet"`. */
  keyPrefix?: string;
  /**
   * This instance's id, for logs and keys: letters, digits, `_` and `-`, at
   * most 64. Decision ids are `instanceId-suffix.n` (the suffix is random per
   * ledger), so another instance that receives a win notice knows whose
   * lease to charge. Default: 8 random hex digits.
   */
  instanceId?: string;
  /**
   * How long the instance may bid from a lease after sending the renewal that
   * granted it, ms. Past that, without a newer renewal, it refuses
   * (`budget_unavailable`). Default 10 000.
   */
  leaseTtlMs?: number;
  /**
   * How long Redis keeps a lease after its bidding deadline before reaping it
   * (returning its unspent part to the pool), ms: the longest a win notice may
   * take to be reported. Keep it at least the bidder's `outcomeTimeoutMs`.
   * Default 60 000.
   */
  outcomeGraceMs?: number;
  /**
   * A lease aims to hold this long of the instance's spend rate, ms, plus
   * twice its bids in flight and at least 5 bids of its average
   * reservation: a busy instance asks for more and renews rarely, an idle
   * one holds little. Default: `leaseTtlMs`.
   */
  leaseHorizonMs?: number;
  /** Smallest grant worth a round trip (and the target before any spend is seen). Default 1. */
  minChunk?: number;
  /** Largest amount one lease may hold. Default: no limit beyond Redis's cap (pool / active leases). */
  maxChunk?: number;
  /** When wins reach Redis. Default `"write_through"`. */
  settlement?: FleetSettlement;
  /** Time limit of one Redis call, ms. Default 500. */
  redisTimeoutMs?: number;
  /** First retry delay after a failed renewal, ms (full jitter, doubling). Default 100. */
  backoffBaseMs?: number;
  /** Longest retry delay, ms. Default 5000. */
  backoffMaxMs?: number;
  /**
   * Fields of the bidder's state (`bidder.toJSON()`) shared through the
   * campaign, so a new instance starts with the fleet's learned pacing
   * instead of from scratch. Their content is opaque to the ledger.
   * Default `["pacing", "winRate", "priorLtv"]`.
   */
  warmStateFields?: readonly string[];
  /** How often an attached bidder's warm state is reported (with a renewal), ms. Default 10 000. */
  warmStateIntervalMs?: number;
  /** Observer of lease events (grants, failures, refusals' causes). Default none. */
  onEvent?: (event: FleetEvent) => void;
  /** Monotonic clock, ms. Default `performance.now`. The wall clock (`Date.now`) is checked too, for thawed processes. */
  now?: () => number;
  /** Random numbers in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
}
