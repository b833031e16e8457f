import type { DualPacingOptions } from "./dual-pacing-controller.js";
import type { PiPacingOptions } from "./pi-pacing-controller.js";
import type { SeededRandom } from "./seeded-random.js";
import type { ThrottlingOptions } from "./throttling-pacing-controller.js";

/** The pacing controllers: `dual` (default), `pi`, `throttle`, or `none` (no pacing, only the budget guard). */
export type PacingKind = "dual" | "pi" | "throttle" | "none";

/**
 * What the bidder tells a controller at the end of each update window. The
 * bidder owns the bookkeeping (window boundaries, spend in the window, the
 * plan); controllers are pure arithmetic on these numbers.
 */
export interface PacingWindow {
  /** Spend settled during the window, in the bidder's currency. */
  spend: number;
  /**
   * The adaptive target for the window: the budget remaining at its start
   * times the plan's share of the remaining period that the window covers.
   * Re-planning the remainder each window is what lets spend catch up.
   */
  plannedSpend: number;
  /**
   * `plannedSpend` in wins: divided by the recent cost of a win. Undefined
   * before the first win. A window planned to hold few wins measures the
   * spend rate mostly as noise (one win more or less is 100%).
   */
  plannedWins?: number | undefined;
  /** Cumulative spend / budget at the window's end. */
  spentFraction: number;
  /** The plan's cumulative target fraction at the window's end. */
  plannedFraction: number;
  /**
   * How many update intervals the window spanned: 1 normally, more after
   * quiet periods, a fraction for the short windows of the cold start.
   */
  intervals: number;
}

/** A pacing controller's serialisable state. */
export type PacingControllerState =
  | { kind: "dual"; mu: number }
  | { kind: "pi"; integral: number; lastMultiplier: number }
  | { kind: "throttle"; probability: number }
  | { kind: "none" };

/**
 * A pacing controller scales the willingness to pay (`multiplier`, in (0, 1])
 * and may skip auctions (`participate`). State machine: one number or two,
 * updated only by `update` at window ends, so decisions between updates are a
 * pure function of that state.
 */
export interface PacingController {
  readonly kind: PacingKind;
  /** The factor applied to the willingness to pay; 1 means "bid full value". */
  multiplier(): number;
  /** Whether to take part in the next auction. Only throttling draws from `random`. */
  participate(random: SeededRandom): boolean;
  /** Window-end update. */
  update(window: PacingWindow): void;
  /**
   * Restarts from a multiplier estimated by the bidder (its cold start's
   * first observations). Controllers that do not scale bids leave it out.
   */
  restart?(multiplier: number): void;
  toJSON(): PacingControllerState;
}

/**
 * The normalised spend error of a window: (spend - planned) / planned,
 * clamped to [-1, maxOverspendGradient]. One big win cannot swing a
 * controller arbitrarily; a window with nothing planned and nothing spent is
 * neutral.
 */
export function windowSpendError(window: PacingWindow, maxOverspendGradient: number): number {
  if (window.plannedSpend <= 0) return window.spend > 0 ? maxOverspendGradient : 0;
  const g = (window.spend - window.plannedSpend) / window.plannedSpend;
  return g < -1 ? -1 : g > maxOverspendGradient ? maxOverspendGradient : g;
}

/** The controller that does not pace: multiplier 1, always participates. */
export function createNoPacingController(): PacingController {
  return {
    kind: "none",
    multiplier: () => 1,
    participate: () => true,
    update: () => {},
    toJSON: () => ({ kind: "none" }),
  };
}

/** The tuning a controller factory reads: `pacing.dual`, `pacing.pi`, `pacing.throttle`. */
export interface PacingTuning {
  /** `pacing.dual`. */
  dual?: DualPacingOptions;
  /** `pacing.pi`. */
  pi?: PiPacingOptions;
  /** `pacing.throttle`. */
  throttle?: ThrottlingOptions;
}

/**
 * A controller other than the built-in `"dual"` and `"none"`, given as
 * `pacing.controller`: {@link piPacing} or {@link throttlingPacing}. Each is
 * an import of its own, so a function on the default controller does not
 * ship the others.
 *
 * @public
 */
export interface PacingControllerFactory {
  /** The kind of controller it builds (and of the state it restores). */
  readonly kind: PacingKind;
  /** Builds the controller from the pacing options' tuning and, when restoring, its state (of this `kind`). */
  create(tuning: PacingTuning, state: PacingControllerState | undefined): PacingController;
}

