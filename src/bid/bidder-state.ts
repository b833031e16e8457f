import type { BudgetGuardState, Reservation } from "./budget-guard.js";
import type { CompetingBidSlopeState } from "./competing-bid-slope.js";
import type { ExplorationSampleState } from "./exploration-sample.js";
import type { PacingControllerState } from "./pacing-controller.js";
import type { PlatformCalibrationState } from "./platform-multipliers.js";
import type { SeededRandomState } from "./seeded-random.js";
import type { ValueProfileState } from "./value-aware-target.js";
import type { WinRateModelState } from "./win-rate-model.js";

/**
 * The version of {@link BidderState} this module writes. It reads this one and
 * version 1 (before the cold start and the spend-rate cap: such a state
 * resumes as a bidder whose cold start is over and whose origin is now).
 */
export const bidderStateVersion = 2;

/** Where the pacing target is counted from, and the cold start's progress. */
export interface PacingOriginState {
  /** The clock when the bidder was created (its target starts there). */
  time: number;
  /** Spend plus reservations at that moment (restored bidders keep theirs). */
  committed: number;
  /** End of the cold start, on the clock. */
  coldStartUntil: number;
  /** Whether the first multiplier has been chosen (or came from `warmStart`). */
  explored: boolean;
  /** The cold start's first auctions, until the first multiplier is chosen. */
  sample: ExplorationSampleState | undefined;
}

/**
 * Everything a bidder learns and tracks, as plain JSON: persist it between
 * invocations (a Lambda, a worker's KV or Durable Object) and pass it back as
 * `createBidder({ ...options, state })`. Options are not part of it; give the
 * same options again. A restored bidder makes exactly the same decisions as
 * the original would have, given the same inputs and clock.
 */
export interface BidderState {
  /** {@link bidderStateVersion} when written; version 1 is still read. */
  version: number;
  /** Decisions made so far; the next decision id is derived from it. */
  sequence: number;
  /** The seeded generator's state. */
  random: SeededRandomState;
  /** Spend, reservations, pending and recently expired bids. */
  budget: BudgetGuardState;
  /** The pacing controller's variables. */
  pacing: PacingControllerState;
  /**
   * The current pacing window; `refused` is the cost of bids the spend-rate
   * cap refused in it (absent in version 1); `checkAt`, while the window is
   * held open for want of planned wins (`pacing.minWindowWins`), when it is
   * looked at again (absent before this release: 0).
   */
  window: { start: number; spend: number; remainingAtStart: number; refused?: number; checkAt?: number };
  /** The learned value on offer by hour of day, with the value-aware plan (absent otherwise and in version 1). */
  valueProfile?: ValueProfileState;
  /** Origin of the pacing target and the cold start (absent in version 1). */
  origin?: PacingOriginState;
  /**
   * Decayed sums of what settled bids cost and what they had reserved: the
   * share of a reservation that turns into spend (absent in version 1), and
   * the decayed count of wins, so spend / wins is the recent cost of a win
   * (absent before this release).
   */
  costShare?: { spend: number; reserved: number; wins?: number };
  /** The first-price win-rate model (the pooled curve), when shading is on. */
  winRate: WinRateModelState | undefined;
  /** The win-rate curves per segment of impressions (absent in version 1). */
  winRateSegments?: Array<[string, WinRateModelState]>;
  /**
   * How the competing bid rises with the impression's value, with
   * `shading.valueLinked` (absent before this release: the slope starts at 0).
   */
  winRateSlope?: CompetingBidSlopeState;
  /**
   * First-price bids whose reservation expired without an outcome, not yet
   * learned by the win-rate model as losses (absent before this release).
   */
  unseenLosses?: Reservation[];
  /** The learned prior LTV for heuristic bids, if any. */
  priorLtv: number | undefined;
  /** Learned platform calibration sums. */
  calibration: PlatformCalibrationState;
}
