/**
 * Why a bid was placed, and from what.
 *
 * - `ai_prediction`: from a SUCCESS prediction.
 * - `fallback_prediction`: the service answered with status FALLBACK (its own
 *   heuristic); bid conservatively (see `fallback.factor`).
 * - `heuristic_no_prediction`: no prediction was given (outage, not called):
 *   bid from the bidder's prior LTV, conservatively.
 * - `heuristic_late_prediction`: the prediction arrived after the decision
 *   deadline (`tmax` minus the network margin) and was ignored.
 * - `heuristic_failed_prediction`: the prediction's status was an error
 *   (MODEL_ERROR, INVALID_INPUT, INSUFFICIENT_DATA, TIMEOUT).
 */
export type BidReason =
  | "ai_prediction"
  | "fallback_prediction"
  | "heuristic_no_prediction"
  | "heuristic_late_prediction"
  | "heuristic_failed_prediction";

/**
 * Why no bid was placed. Every no-bid carries one.
 *
 * - `outside_period`: the clock is before the budget period or after it.
 * - `deadline_exceeded`: the auction's `tmax` has already passed; an answer now would be late.
 * - `currency_unsupported`: `bidfloorcur` differs from the bidder's currency and no rate was configured.
 * - `no_prediction` / `late_prediction` / `prediction_failed`: no usable
 *   prediction and no prior LTV to fall back on (or the legacy strategy, which needs one).
 * - `zero_value`: the impression is worth nothing (conversion rate or LTV 0).
 * - `throttled`: the throttling controller skipped this auction.
 * - `below_floor`: the paced value is below `bidfloor`.
 * - `budget_exhausted`: the budget left, minus reservations for pending wins, cannot cover a bid at the floor.
 * - `budget_unavailable`: the shared budget (`budgetSource`) cannot vouch for
 *   any money now (its store is unreachable and the lease it holds has run
 *   out, or the campaign is missing or was reset).
 * - `ahead_of_target`: during a new bidder's cold start, the bid would take
 *   spend plus reservations past the pacing target by more than
 *   `pacing.maxAheadShare` of the budget (the spend-rate cap; what keeps a
 *   new bidder under heavy traffic from spending the day's budget in its
 *   first minute).
 */
export type NoBidReason =
  | "outside_period"
  | "deadline_exceeded"
  | "currency_unsupported"
  | "no_prediction"
  | "late_prediction"
  | "prediction_failed"
  | "zero_value"
  | "throttled"
  | "below_floor"
  | "budget_exhausted"
  | "budget_unavailable"
  | "ahead_of_target";
