import { market, type AuctionEvent } from "./auction-generator.js";
import { logNormalLandscapeBid } from "./true-landscape-bid.js";

/**
 * The best log-normal bid landscape given what the bidder knows of an impression, its own value
 * estimate: log(competing bid) = location + slope x (log(value) - meanLogValue) + N(0, sigma²),
 * fitted by least squares in hindsight on the day's first-price auctions with their true,
 * uncensored competing bids. What a landscape learned from outcomes and keyed on the bidder's
 * value can at most converge to (in this family): it knows the day's market exactly but not the
 * impression's true value. USD CPM.
 */
export interface OwnValueLandscape {
  meanLogValue: number;
  location: number;
  slope: number;
  sigma: number;
}

/** Fits {@link OwnValueLandscape} to `(log value, log competing bid)` pairs (USD CPM). */
export function fitOwnValueLandscape(points: ReadonlyArray<readonly [number, number]>): OwnValueLandscape {
  const n = points.length;
  if (n < 2) return { meanLogValue: 0, location: Math.log(market.competitorMedian), slope: 0, sigma: market.competitorSigma };
  let xm = 0;
  let ym = 0;
  for (const [x, y] of points) {
    xm += x / n;
    ym += y / n;
  }
  let cxx = 0;
  let cxy = 0;
  let cyy = 0;
  for (const [x, y] of points) {
    cxx += (x - xm) ** 2;
    cxy += (x - xm) * (y - ym);
    cyy += (y - ym) ** 2;
  }
  const slope = cxx > 0 ? cxy / cxx : 0;
  return { meanLogValue: xm, location: ym, slope, sigma: Math.max(0.05, Math.sqrt(Math.max(0, cyy - slope * cxy) / n)) };
}

/**
 * The first-price bid of the own-value-landscape reference for an impression the bidder values
 * at `valueCpm` (USD): the best bid against the fitted landscape, floor known. CPM, auction currency.
 */
export function ownValueLandscapeBid(pacedCpm: number, valueCpm: number, e: AuctionEvent, fit: OwnValueLandscape): number {
  const rate = e.currency === "EUR" ? market.eurRate : 1;
  const medianUsd = Math.exp(fit.location + fit.slope * (Math.log(valueCpm) - fit.meanLogValue));
  return logNormalLandscapeBid(pacedCpm, e.floorCpm, medianUsd / rate, fit.sigma);
}
