import { requirePositive, requireProbability } from "./bid-input-error.js";
import { windowSpendError, type PacingController, type PacingControllerFactory } from "./pacing-controller.js";

/** Options of the probabilistic throttling controller. */
export interface ThrottlingOptions {
  /** Step size of the participation update, in log space. Default 0.25. */
  stepSize?: number;
  /** Lowest participation probability. Default 0.001. */
  minProbability?: number;
  /** Starting participation probability. Default 1. */
  initialProbability?: number;
  /** Clamp of the overspend side of the normalised window error. Default 4. */
  maxOverspendGradient?: number;
}

/**
 * Probabilistic throttling: take part in an auction with probability `q` and
 * then bid the full (unpaced) value; `q` moves multiplicatively against the
 * window's normalised spend error. Draws come from the bidder's seeded
 * generator, so decisions are reproducible.
 */
export function createThrottlingController(options: ThrottlingOptions = {}, probability?: number): PacingController {
  const stepSize = requirePositive("pacing.throttle.stepSize", options.stepSize ?? 0.25);
  const minProbability = requireProbability("pacing.throttle.minProbability", options.minProbability ?? 0.001);
  const maxGradient = requirePositive("pacing.throttle.maxOverspendGradient", options.maxOverspendGradient ?? 4);
  let q = requireProbability("pacing.throttle.initialProbability", probability ?? options.initialProbability ?? 1);
  return {
    kind: "throttle",
    multiplier: () => 1,
    participate: (random) => q >= 1 || random.next() < q,
    update(window) {
      const g = windowSpendError(window, maxGradient);
      q = q * Math.exp(-stepSize * g);
      q = q < minProbability ? minProbability : q > 1 ? 1 : q;
    },
    toJSON: () => ({ kind: "throttle", probability: q }),
  };
}

/**
 * `pacing.controller: throttlingPacing`: probabilistic throttling (see
 * `createThrottlingController`), tuned by `pacing.throttle`.
 *
 * @public
 */
export const throttlingPacing: PacingControllerFactory = {
  kind: "throttle",
  create: (tuning, state) => createThrottlingController(tuning.throttle, state?.kind === "throttle" ? state.probability : undefined),
};

