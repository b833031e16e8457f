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
 * The first-price bid of the true-landscape reference: the bid in [floor, paced bid] that
 * maximises `(paced - b) x P(win | b)` where P(win | b) is the impression's *true*
 * distribution of the price to win (the competing bid is log-normal around
 * `competitorMedianCpm` with spread `market.competitorSigma`, and the floor is known).
 * It is the best shading possible without seeing the competing bid itself: a bidder
 * that learns its landscape from outcomes can at most match it. CPM, auction currency.
 */
export function trueLandscapeBid(pacedCpm: number, e: AuctionEvent): number {
  if (pacedCpm <= e.floorCpm) return pacedCpm;
  const winProbability = (b: number): number =>
    b < e.floorCpm ? 0 : normalCdf(Math.log(b / e.competitorMedianCpm) / market.competitorSigma);
  let best = pacedCpm;
  let bestSurplus = -1;
  for (let k = 0; k <= searchSteps; k++) {
    const b = e.floorCpm + ((pacedCpm - e.floorCpm) * k) / searchSteps;
    const surplus = (pacedCpm - b) * winProbability(b);
    if (surplus > bestSurplus) {
      bestSurplus = surplus;
      best = b;
    }
  }
  return best;
}
