/**
 * Expected value of one impression: P(conversion | impression) x lifetime
 * value of the customer x margin x platform calibration. A prediction is a
 * per-customer value; an auction sells a single impression, so the conversion
 * probability is what connects the two.
 */
export function impressionValue(
  conversionRate: number,
  ltv: number,
  margin: number,
  platformMultiplier: number,
): number {
  return conversionRate * ltv * margin * platformMultiplier;
}

/** Auctions price impressions per thousand (CPM): the CPM of a per-impression amount. */
export function toCpm(perImpression: number): number {
  return perImpression * 1000;
}

/** The per-impression cost of a CPM price. */
export function fromCpm(cpm: number): number {
  return cpm / 1000;
}
