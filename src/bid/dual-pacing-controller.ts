import { requireNonNegative, requirePositive } from "./bid-input-error.js";
import { windowSpendError, type PacingController } from "./pacing-controller.js";

/** Options of the adaptive dual pacing controller. */
export interface DualPacingOptions {
  /** Step size of the dual update, in log space. Default 0.25. */
  stepSize?: number;
  /** Largest dual variable: bids never go below value / (1 + maxMu). Default 10 000. */
  maxMu?: number;
  /** Dual variable to start from (e.g. yesterday's). Default 0 (bid full value). */
  initialMu?: number;
  /** Clamp of the overspend side of the normalised window error. Default 4. */
  maxOverspendGradient?: number;
  /**
   * Wins at which a window's step is half the full `stepSize`: the step is
   * `stepSize x plannedWins / (plannedWins + stepWins)`, so a window planned
   * to hold few wins (a small budget, expensive impressions) moves the
   * multiplier little, and a busy one moves it fully. The step stays full
   * while cumulative spend is more than 1% of the budget off target in the
   * window's direction (a persistent gap, not noise: a new bidder whose first
   * multiplier erred low catches up). 0 turns it off. Default 1.
   */
  stepWins?: number;
}

/** Cumulative gap (share of budget) past which a window's error is taken at full step. */
const settledGap = 0.01;

/**
 * Adaptive dual pacing after Balseiro and Gur (2019), "Learning in repeated
 * auctions with budgets": the bid is `value / (1 + mu)` where `mu >= 0` is the
 * dual variable of the budget constraint, updated by a subgradient step on
 * (spend - target spend) after each window. Two practical changes: the target
 * is the adaptive one (the remaining budget re-spread over the remaining plan,
 * as in their adaptive pacing), and the step is taken on `log(1 + mu)` with a
 * normalised error so the step size does not depend on the currency or the
 * traffic volume. `mu >= 0` means a paced bid never exceeds the value.
 */
export function createDualPacingController(options: DualPacingOptions = {}, mu?: number): PacingController {
  const stepSize = requirePositive("pacing.dual.stepSize", options.stepSize ?? 0.25);
  const maxMu = requirePositive("pacing.dual.maxMu", options.maxMu ?? 10_000);
  const maxGradient = requirePositive("pacing.dual.maxOverspendGradient", options.maxOverspendGradient ?? 4);
  const stepWins = requireNonNegative("pacing.dual.stepWins", options.stepWins ?? 1);
  let current = Math.min(maxMu, requireNonNegative("pacing.dual.initialMu", mu ?? options.initialMu ?? 0));
  const maxLog = Math.log1p(maxMu);
  return {
    kind: "dual",
    multiplier: () => 1 / (1 + current),
    participate: () => true,
    update(window) {
      const g = windowSpendError(window, maxGradient);
      const n = window.plannedWins;
      // A window that agrees with a cumulative gap past `settledGap` is not noise: full step.
      const gap = window.spentFraction - window.plannedFraction;
      const persistent = (gap < -settledGap && g < 0) || (gap > settledGap && g > 0);
      const step = n === undefined || stepWins === 0 || persistent ? stepSize : (stepSize * n) / (n + stepWins);
      let logLambda = Math.log1p(current) + step * g;
      logLambda = logLambda < 0 ? 0 : logLambda > maxLog ? maxLog : logLambda;
      current = Math.expm1(logLambda);
    },
    restart(multiplier) {
      current = Math.min(maxMu, Math.max(0, 1 / multiplier - 1));
    },
    toJSON: () => ({ kind: "dual", mu: current }),
  };
}
