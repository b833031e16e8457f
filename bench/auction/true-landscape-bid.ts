import { market, type AuctionEvent } from "./auction-generator.js";

/** Standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7: plenty for a bid search). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Golden-section steps of the bid search: each keeps 0.618 of the interval, so 40 leave 4e-9 of it. */
const searchSteps = 40;
const goldenRatio = (Math.sqrt(5) - 1) / 2;

/**
 * The bid in [floor, paced bid] that maximises `(paced - b) x P(win | b)` when the
 * competing bid is log-normal around `medianCpm` with log-spread `sigma` and the
 * floor is known. CPM, auction currency. Both factors are log-concave in `b`, so
 * the surplus has one peak and a golden-section search finds it.
 */
export function logNormalLandscapeBid(pacedCpm: number, floorCpm: number, medianCpm: number, sigma: number): number {
  if (pacedCpm <= floorCpm) return pacedCpm;
  const surplus = (b: number): number => (pacedCpm - b) * (b < floorCpm ? 0 : normalCdf(Math.log(b / medianCpm) / sigma));
  let lo = floorCpm;
  let hi = pacedCpm;
  let x1 = hi - goldenRatio * (hi - lo);
  let x2 = lo + goldenRatio * (hi - lo);
  let s1 = surplus(x1);
  let s2 = surplus(x2);
  for (let k = 0; k < searchSteps; k++) {
    if (s1 < s2) {
      lo = x1;
      x1 = x2;
      s1 = s2;
      x2 = lo + goldenRatio * (hi - lo);
      s2 = surplus(x2);
    } else {
      hi = x2;
      x2 = x1;
      s2 = s1;
      x1 = hi - goldenRatio * (hi - lo);
      s1 = surplus(x1);
    }
  }
  return (lo + hi) / 2;
}

/**
 * The first-price bid of the true-landscape reference: the best bid (see
 * {@link logNormalLandscapeBid}) against the impression's *true* distribution of the
 * competing bid (log-normal around `competitorMedianCpm` with spread
 * `market.competitorSigma`). It is the best shading possible without seeing the
 * competing bid itself, but the median it reads follows the impression's true value
 * (the competing bidders value the same customer), which the bidder only estimates:
 * a bidder that learns its landscape from outcomes and its own estimates cannot
 * match it (see `ref:own-value-landscape`).
 */
export function trueLandscapeBid(pacedCpm: number, e: AuctionEvent): number {
  return logNormalLandscapeBid(pacedCpm, e.floorCpm, e.competitorMedianCpm, market.competitorSigma);
}
