/** Serialisable state of the cold start's exploration sample: flat `[willingCpm, floorCpm, ...]` pairs and the auctions seen. */
export interface ExplorationSampleState {
  pairs: number[];
  seen: number;
}

/** Pairs kept; later auctions of the window are only counted (the window is seconds long, so the first ones are typical). */
const capacity = 256;

/**
 * The first auctions a cold bidder sees, kept to choose its first pacing
 * multiplier: the willingness to pay (before pacing) and the floor of each,
 * bidder currency, CPM.
 */
export class ExplorationSample {
  readonly #pairs: number[];
  #seen: number;

  constructor(state?: ExplorationSampleState) {
    this.#pairs = state && Array.isArray(state.pairs) ? state.pairs.slice(0, 2 * capacity) : [];
    this.#seen = state && Number.isFinite(state.seen) ? state.seen : 0;
  }

  /** Auctions seen since the sample started. */
  get count(): number {
    return this.#seen;
  }

  add(willingCpm: number, floorCpm: number): void {
    this.#seen++;
    if (this.#pairs.length < 2 * capacity) this.#pairs.push(willingCpm, floorCpm);
  }

  /**
   * The largest multiplier `m` in [minMultiplier, 1] at which bidding
   * `m x willingness` on the sampled auctions would have cost at most
   * `targetSpend`, counting every bid above its floor as won at its bid:
   * the most it could have cost, so the estimate errs low and the controller
   * raises it from there. Returns 1 when even full bids fit.
   */
  multiplierFor(targetSpend: number, minMultiplier: number): number {
    const n = this.#pairs.length / 2;
    if (n === 0) return 1;
    const scale = this.#seen / n;
    const cost = (m: number): number => {
      let s = 0;
      for (let i = 0; i < this.#pairs.length; i += 2) {
        const b = m * this.#pairs[i]!;
        if (b >= this.#pairs[i + 1]!) s += b;
      }
      return (s / 1000) * scale;
    };
    if (cost(1) <= targetSpend) return 1;
    if (cost(minMultiplier) > targetSpend) return minMultiplier;
    // Bisection on log m: cost is non-decreasing in m.
    let lo = Math.log(minMultiplier);
    let hi = 0;
    for (let k = 0; k < 40; k++) {
      const mid = (lo + hi) / 2;
      if (cost(Math.exp(mid)) <= targetSpend) lo = mid;
      else hi = mid;
    }
    return Math.exp(lo);
  }

  toJSON(): ExplorationSampleState {
    return { pairs: this.#pairs.slice(), seen: this.#seen };
  }
}
