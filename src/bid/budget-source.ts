/**
 * Where a bidder's money comes from when the budget is shared beyond one
 * process: a fleet ledger (`syncvalue/fleet`) hands each instance a slice of
 * the campaign budget and implements this. Without one, the bidder's local
 * `budget.amount` is the whole budget.
 *
 * The bidder still keeps its own book (reservations, settlements, the local
 * total); the source only narrows what may be committed and hears about every
 * change. All methods are synchronous and must not do I/O: they run on the
 * bid path. A source does its I/O in the background and reflects it here.
 */
export interface BudgetSource {
  /**
   * What may still be committed (reserved for new bids) right now, in the
   * bidder's currency; 0 stops bidding. Called on every bid, before and after
   * valuing the impression.
   */
  headroom(): number;
  /**
   * Why `headroom()` is 0 when it is: `"budget_unavailable"` when the source
   * cannot vouch for any money at the moment (store unreachable, lease
   * deadline passed, campaign missing or reset), `"budget_exhausted"` when the
   * shared budget is spent.
   */
  refusal(): "budget_unavailable" | "budget_exhausted";
  /** A bid with id `id` reserved `cost` (its most possible spend). */
  reserve(id: string, cost: number): void;
  /**
   * A reservation ended: `spend` is what it cost (0 for a loss or an expired
   * reservation), `expired` says the outcome never arrived in time (the
   * money may yet have been spent, so a source may keep it in doubt). A late
   * win (after expiry) comes as a second call with `reserved` 0.
   */
  settle(id: string, reserved: number, spend: number, expired: boolean): void;
}
