import type { BudgetGuardState } from "./budget-guard.js";
import type { PacingControllerState } from "./pacing-controller.js";
import type { PlatformCalibrationState } from "./platform-multipliers.js";
import type { SeededRandomState } from "./seeded-random.js";
import type { WinRateModelState } from "./win-rate-model.js";

/** The version of {@link BidderState} this module reads and writes. */
export const bidderStateVersion = 1;

/**
 * Everything a bidder learns and tracks, as plain JSON: persist it between
 * invocations (a Lambda, a worker's KV or Durable Object) and pass it back as
 * `createBidder({ ...options, state })`. Options are not part of it; give the
 * same options again. A restored bidder makes exactly the same decisions as
 * the original would have, given the same inputs and clock.
 */
export interface BidderState {
  version: typeof bidderStateVersion;
  /** Decisions made so far; the next decision id is derived from it. */
  sequence: number;
  /** The seeded generator's state. */
  random: SeededRandomState;
  /** Spend, reservations, pending and recently expired bids. */
  budget: BudgetGuardState;
  /** The pacing controller's variables. */
  pacing: PacingControllerState;
  /** The current pacing window. */
  window: { start: number; spend: number; remainingAtStart: number };
  /** The first-price win-rate model, when shading is on. */
  winRate: WinRateModelState | undefined;
  /** The learned prior LTV for heuristic bids, if any. */
  priorLtv: number | undefined;
  /** Learned platform calibration sums. */
  calibration: PlatformCalibrationState;
}
