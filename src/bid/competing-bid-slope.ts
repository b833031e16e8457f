import { BidInputError, requireFinite, requireNonNegative, requirePositive } from "./bid-input-error.js";

/** Serialisable state of a {@link CompetingBidSlope}. */
export interface CompetingBidSlopeState {
  /** Layout of `sums`; 1 is the only one so far. */
  version: 1;
  /**
   * Decayed sums over observations, `x` the log of the impression's value
   * (CPM) and `y` the log of the competing bid (CPM): weight, sum of x, of x
   * squared, of y, of x times y, of y squared. A censored observation adds
   * the expected y and y squared given its bound.
   */
  sums: number[];
}

/** How far the slope may go: competing bids falling with value, or rising faster than twice, are not believed. */
const minSlope = -1;
const maxSlope = 2;
/** Least log-spread kept, so a run of identical prices cannot make the model certain. */
const minSigma = 0.05;

/** Standard normal density. */
function normalPdf(z: number): number {
  return 0.3989422804014327 * Math.exp(-0.5 * z * z);
}

/** Standard normal upper tail, P(Z > z) (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * erfc : 1 - 0.5 * erfc;
}

/**
 * How the competing bid of a first-price auction rises with the impression's
 * value: an online censored regression of log(competing bid) on log(value).
 * Competing bidders value the same customers, so a valuable impression meets
 * a dearer market; a win-rate curve read at a price scaled by
 * `(value / typical value) ^ -slope` then serves every value at once (one
 * shape, a location that moves with value) instead of a curve per value bucket
 * that each learn from a thin share of the outcomes.
 *
 * Exact prices (a minimum bid to win above the floor) enter as they are;
 * censored ones (a win: at most the bid; a loss: above it; a minimum bid to win
 * at the floor: at most the floor) enter as their expected value under the
 * current fit (one EM step of a Tobit regression per observation). The slope
 * is shrunk towards 0 by a ridge prior of `priorWeight` observations, so while
 * outcomes are few it is 0 and prices are read unscaled: the pooled curve.
 * Observations decay with the win-rate model's half-life.
 */
export class CompetingBidSlope {
  readonly #decay: number;
  readonly #priorWeight: number;
  #n = 0;
  #sx = 0;
  #sxx = 0;
  #sy = 0;
  #sxy = 0;
  #syy = 0;
  #slope = 0;
  #intercept = 0;
  #sigma = 1;
  #xMean = 0;

  /**
   * @param halfLife - observations after which one weighs half (the win-rate model's `halfLife`).
   * @param priorWeight - observations' worth of the prior slope 0 (`shading.slopePriorWeight`).
   */
  constructor(halfLife: number, priorWeight: number, state?: CompetingBidSlopeState) {
    this.#decay = Math.pow(2, -1 / requirePositive("shading.halfLife", halfLife));
    this.#priorWeight = requireNonNegative("shading.slopePriorWeight", priorWeight);
    if (state !== undefined) {
      if (state === null || typeof state !== "object" || state.version !== 1) {
        throw new BidInputError("state.winRateSlope.version", "must be 1");
      }
      if (!Array.isArray(state.sums) || state.sums.length !== 6) {
        throw new BidInputError("state.winRateSlope.sums", "must hold 6 sums");
      }
      const s = state.sums.map((v) => requireFinite("state.winRateSlope.sums", v));
      this.#n = requireNonNegative("state.winRateSlope.sums", s[0]);
      [, this.#sx, this.#sxx, this.#sy, this.#sxy, this.#syy] = s as [number, number, number, number, number, number];
      this.#fit();
    }
  }

  /** The learned slope of log(competing bid) on log(value); 0 until outcomes say otherwise. */
  slope(): number {
    return this.#slope;
  }

  /** The learned log-spread of the competing bid around its value-linked location. */
  spread(): number {
    return this.#sigma;
  }

  /** The decayed number of observations. */
  observationCount(): number {
    return this.#n;
  }

  /**
   * The factor that brings a price of an impression worth `valueCpm` to the
   * pooled scale (a typical impression's): `(valueCpm / typical) ^ -slope`.
   * 1 when the slope is 0 or the value unknown.
   */
  scaleOf(valueCpm: number | undefined): number {
    if (this.#slope === 0 || valueCpm === undefined || !(valueCpm > 0)) return 1;
    return Math.exp(-this.#slope * (Math.log(valueCpm) - this.#xMean));
  }

  /**
   * Learns from one outcome of an impression worth `valueCpm`: the competing
   * bid was `priceCpm` (`exact`), at most it (`at_most`) or above it (`above`).
   */
  observe(valueCpm: number, kind: "exact" | "at_most" | "above", priceCpm: number): void {
    if (!(valueCpm > 0) || !(priceCpm > 0)) return;
    const x = Math.log(valueCpm);
    const c = Math.log(priceCpm);
    let y = c;
    let yy = c * c;
    // Before any fit a bound is taken as the price: there is nothing to spread it by yet.
    if (kind !== "exact" && this.#n >= 1) {
      const mu = this.#intercept + this.#slope * (x - this.#xMean);
      const s = this.#sigma;
      const z = (c - mu) / s;
      const pdf = normalPdf(z);
      if (kind === "at_most") {
        const p = 1 - normalUpperTail(z);
        // Truncated normal below c: mean mu - s*lambda, variance s^2 (1 - z*lambda - lambda^2).
        const lambda = p > 1e-12 ? pdf / p : -z;
        y = mu - s * lambda;
        yy = s * s * Math.max(0, 1 - z * lambda - lambda * lambda) + y * y;
      } else {
        const p = normalUpperTail(z);
        const lambda = p > 1e-12 ? pdf / p : z;
        y = mu + s * lambda;
        yy = s * s * Math.max(0, 1 + z * lambda - lambda * lambda) + y * y;
      }
      if (y > c && kind === "at_most") y = c;
      if (y < c && kind === "above") y = c;
    }
    const d = this.#decay;
    this.#n = this.#n * d + 1;
    this.#sx = this.#sx * d + x;
    this.#sxx = this.#sxx * d + x * x;
    this.#sy = this.#sy * d + y;
    this.#sxy = this.#sxy * d + x * y;
    this.#syy = this.#syy * d + yy;
    this.#fit();
  }

  /** The state to persist: the decayed sums (the fit is derived from them). */
  toJSON(): CompetingBidSlopeState {
    return { version: 1, sums: [this.#n, this.#sx, this.#sxx, this.#sy, this.#sxy, this.#syy] };
  }

  /** Ridge least squares on the centred sums (the prior pulls the slope to 0), then the residual spread. */
  #fit(): void {
    const n = this.#n;
    if (!(n > 0)) return;
    const xm = this.#sx / n;
    const ym = this.#sy / n;
    const cxx = Math.max(0, this.#sxx - n * xm * xm);
    const cxy = this.#sxy - n * xm * ym;
    const cyy = Math.max(0, this.#syy - n * ym * ym);
    const denominator = cxx + this.#priorWeight;
    const b = denominator > 0 ? cxy / denominator : 0;
    this.#slope = b < minSlope ? minSlope : b > maxSlope ? maxSlope : b;
    this.#xMean = xm;
    this.#intercept = ym;
    const residual = Math.max(0, cyy - 2 * this.#slope * cxy + this.#slope * this.#slope * cxx) / n;
    this.#sigma = Math.max(minSigma, Math.sqrt(residual));
  }
}
