import { requireFinite, requirePositive, requireProbability } from "./bid-input-error.js";
import type { PacingController, PacingControllerFactory } from "./pacing-controller.js";

/** Options of the PI pacing controller. */
export interface PiPacingOptions {
  /** Proportional gain on (planned - spent) as a fraction of the budget. Default 20. */
  kp?: number;
  /** Integral gain, per update interval. Default 5. */
  ki?: number;
  /** Smallest multiplier (the bid never goes below this share of value). Default 0.005. */
  minMultiplier?: number;
}

/**
 * A PI controller on the cumulative pacing error
 * `e = planned fraction - spent fraction` (positive when behind plan). The log of the bid multiplier
 * is `kp e + ki I`, clamped to `[log minMultiplier, 0]` so bids never exceed
 * the value. Anti-windup by conditional integration: while the output is
 * saturated, the integral does not grow further in the saturating direction.
 */
export function createPiPacingController(
  options: PiPacingOptions = {},
  state?: { integral: number; lastMultiplier: number },
): PacingController {
  const kp = requirePositive("pacing.pi.kp", options.kp ?? 20);
  const ki = requirePositive("pacing.pi.ki", options.ki ?? 5);
  const minMultiplier = requireProbability("pacing.pi.minMultiplier", options.minMultiplier ?? 0.005);
  const minLog = Math.log(Math.max(minMultiplier, 1e-12));
  let integral = requireFinite("state.pacing.integral", state?.integral ?? 0);
  let multiplier = requireFinite("state.pacing.lastMultiplier", state?.lastMultiplier ?? 1);
  return {
    kind: "pi",
    multiplier: () => multiplier,
    participate: () => true,
    update(window) {
      const e = window.plannedFraction - window.spentFraction;
      const candidate = integral + e * window.intervals;
      const u = kp * e + ki * candidate;
      const saturatedHigh = u > 0 && e > 0;
      const saturatedLow = u < minLog && e < 0;
      if (!saturatedHigh && !saturatedLow) integral = candidate;
      const out = kp * e + ki * integral;
      multiplier = Math.exp(out > 0 ? 0 : out < minLog ? minLog : out);
    },
    restart(m) {
      // With no error, the output is ki x integral: start the integral where the output is log m.
      const out = Math.max(minLog, Math.min(0, Math.log(m)));
      integral = out / ki;
      multiplier = Math.exp(out);
    },
    toJSON: () => ({ kind: "pi", integral, lastMultiplier: multiplier }),
  };
}

/**
 * `pacing.controller: piPacing`: the PI controller (see
 * `createPiPacingController`), tuned by `pacing.pi`.
 *
 * @public
 */
export const piPacing: PacingControllerFactory = {
  kind: "pi",
  create: (tuning, state) => createPiPacingController(tuning.pi, state?.kind === "pi" ? state : undefined),
};

