import { requireNonNegative, requirePositive } from "./bid-input-error.js";

/**
 * The multipliers of the original demo, as a preset. They are calibration
 * factors (how much a platform's realised return differs from predicted
 * value), not magic boosts: use them only if they match your own data, or
 * learn them with {@link PlatformCalibration}. The bidder's default is 1.0 for
 * every platform.
 */
// Marked pure so a bundle that never reads the preset drops it (a call is kept by default).
export const platformMultiplierPreset: Readonly<Record<string, number>> = /* @__PURE__ */ Object.freeze({
  google_ads: 1.0,
  meta: 1.0,
  tiktok: 1.5,
  linkedin: 1.2,
  amazon: 1.0,
  tradedesk: 1.0,
  x: 0.75,
});

/** Serialisable state of a {@link PlatformCalibration}: per platform, summed predicted and realised value. */
export type PlatformCalibrationState = Record<string, { predicted: number; realised: number }>;

/** Options of {@link PlatformCalibration}. */
export interface PlatformCalibrationOptions {
  /**
   * Prior multipliers per platform (the starting point, and where sparse data
   * is shrunk to). Default: none, meaning 1.0.
   */
  prior?: Readonly<Record<string, number>>;
  /**
   * How much predicted value (in currency) counts as much as the prior.
   * With 100 (default), after 100 of predicted value the learned ratio and
   * the prior weigh the same.
   */
  priorWeight?: number;
}

/**
 * Learns per-platform multipliers from realised return: the multiplier is the
 * ratio of realised to predicted value, shrunk towards the prior while data is
 * sparse: `w x realised/predicted + (1 - w) x prior`, `w = predicted / (predicted + priorWeight)`.
 */
export class PlatformCalibration {
  readonly #prior: Readonly<Record<string, number>>;
  readonly #priorWeight: number;
  readonly #sums: PlatformCalibrationState;

  constructor(options: PlatformCalibrationOptions = {}, state?: PlatformCalibrationState) {
    this.#prior = options.prior ?? {};
    for (const [platform, m] of Object.entries(this.#prior)) requirePositive(`platformMultipliers.${platform}`, m);
    this.#priorWeight = requirePositive("priorWeight", options.priorWeight ?? 100);
    this.#sums = {};
    if (state) for (const [k, v] of Object.entries(state)) this.#sums[k] = { ...v };
  }

  /** The current multiplier for a platform (1.0 if unknown and without prior). */
  multiplier(platform: string | undefined): number {
    const prior = (platform !== undefined ? this.#prior[platform] : undefined) ?? 1;
    if (platform === undefined) return prior;
    const s = this.#sums[platform];
    if (!s || s.predicted <= 0) return prior;
    const w = s.predicted / (s.predicted + this.#priorWeight);
    return w * (s.realised / s.predicted) + (1 - w) * prior;
  }

  /**
   * Records realised return against the value that was predicted for it
   * (before the platform multiplier, i.e. `decision.baseValue` summed over the
   * won impressions that the return is attributed to).
   */
  observe(platform: string, predictedValue: number, realisedValue: number): void {
    requireNonNegative("predictedValue", predictedValue);
    requireNonNegative("realisedValue", realisedValue);
    const s = (this.#sums[platform] ??= { predicted: 0, realised: 0 });
    s.predicted += predictedValue;
    s.realised += realisedValue;
  }

  /** A copy of the learned sums. */
  toJSON(): PlatformCalibrationState {
    const out: PlatformCalibrationState = {};
    for (const [k, v] of Object.entries(this.#sums)) out[k] = { ...v };
    return out;
  }
}
