/**
 * What the ledger reports to `onEvent`. Amounts are in the bidder's currency.
 *
 * - `lease_granted`: a renewal confirmed a lease (`granted` is its cumulative grant, `headroom` what may be committed now).
 * - `renew_failed`: a renewal failed or timed out; the instance keeps bidding from its lease until `deadlineInMs`.
 * - `lease_lost`: the lease was reaped while the instance could not renew (frozen or cut off); its spend was counted as late and a new lease begins.
 * - `unavailable`: the campaign has no books (never seeded, or Redis wiped): no bidding, retries with backoff.
 * - `stopped`: the campaign was seeded again (a new epoch): this instance stops for good, so it never re-spends.
 * - `restored`: Redis had less of this lease than the instance held (restored from an older copy); re-asserted.
 * - `late_report`: a win was reported after its lease was gone; counted apart.
 * - `released`: `close()` returned the lease's unspent part.
 */
export type FleetEvent =
  | { type: "lease_granted"; leaseId: string; granted: number; headroom: number; pool: number; waitMs: number }
  | { type: "renew_failed"; leaseId: string; error: string; deadlineInMs: number; retryInMs: number }
  | { type: "lease_lost"; leaseId: string }
  | { type: "unavailable"; reason: "no_campaign"; retryInMs: number }
  | { type: "stopped"; reason: "epoch_mismatch" }
  | { type: "restored"; leaseId: string }
  | { type: "late_report"; leaseId: string; amount: number }
  | { type: "released"; leaseId: string };

/** Why the ledger called Redis (see {@link FleetLedgerMetrics.roundTripsBy}). */
export type FleetRoundTripPurpose = "start" | "renew" | "write" | "starved" | "retry" | "report" | "release";

/** Counters of a ledger, for dashboards and tests. */
export interface FleetLedgerMetrics {
  /** `active` (holds a lease), `starting`, `unavailable`, `stopped`, `closed`. */
  state: "starting" | "active" | "unavailable" | "stopped" | "closed";
  /** The current lease. */
  leaseId: string;
  /** Bids reserved against the ledger. */
  bids: number;
  /** Renewals that returned a lease. */
  renewals: number;
  /** Renewals that increased the grant. */
  grants: number;
  /** Renewals that failed (error, timeout, missing campaign). */
  failures: number;
  /** Commands sent to Redis (EVAL for the first call of each script, then EVALSHA, and EVAL again after NOSCRIPT). */
  roundTrips: number;
  /**
   * `roundTrips` by purpose: `start` (a first lease, or a new one after a
   * lost lease), `renew` (the lease ran low or half its life passed),
   * `write` (wins written: write-through, or a batch at `maxStaleMs`),
   * `starved` (asked again, before half the lease's life, after a renewal
   * granted less than asked: the pool is shared out or empty), `retry` (after a failed call or a missing campaign),
   * `report` (another instance's win, or a win of a lost lease), `release`
   * (`close()`).
   */
  roundTripsBy: Record<FleetRoundTripPurpose, number>;
  /** `roundTrips / bids` (0 before the first bid). */
  roundTripsPerBid: number;
  /** Time spent waiting on Redis, summed over calls, ms. */
  redisWaitMs: number;
  /** Bids refused for lack of headroom (`budget_unavailable` or `budget_exhausted`). */
  refusals: number;
  /** Wins reported against another instance's lease (its owner was gone). */
  foreignReports: number;
  /** Wins reported after their lease was reaped. */
  lateReports: number;
  /** Cumulative grant of the current lease. */
  granted: number;
  /** Spend of the current lease so far (written or not). */
  spent: number;
  /** Spend not yet written to Redis. */
  unwritten: number;
  /** What may be committed now. */
  headroom: number;
}
