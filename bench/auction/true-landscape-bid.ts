import { market, type AuctionEvent } from "./auction-generator.js";

/** Standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7: plenty for a bid search). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Steps of the bid search between the floor and the paced bid. */
const searchSteps = 200;

/**
 * The bid in [floor, paced bid] that maximises `(paced - b) x P(win | b)` when the
 * competing bid is log-normal around `medianCpm` with log-spread `sigma` and the
 * floor is known. CPM, auction currency.
 */
export function logNormalLandscapeBid(pacedCpm: number, floorCpm: number, medianCpm: number, sigma: number): number {
  if (pacedCpm <= floorCpm) return pacedCpm;
  const winProbability = (b: number): number => (b < floorCpm ? 0 : normalCdf(Math.log(b / medianCpm) / sigma));
  let best = pacedCpm;
  let bestSurplus = -1;
  for (let k = 0; k <= searchSteps; k++) {
    const b = floorCpm + ((pacedCpm - floorCpm) * k) / searchSteps;
    const surplus = (pacedCpm - b) * winProbability(b);
    if (surplus > bestSurplus) {
      bestSurplus = surplus;
      best = b;
    }
  }
  return best;
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
