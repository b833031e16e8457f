/** Serialisable state of the cold start's exploration sample: flat `[willingCpm, floorCpm, ...]` pairs and the auctions seen. */
export interface ExplorationSampleState {
  pairs: number[];
  seen: number;
  /** The largest willingness seen, CPM (absent in states written before it: then the largest kept pair's). */
  best?: number;
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
  #best: number;

  constructor(state?: ExplorationSampleState) {
    this.#pairs = state && Array.isArray(state.pairs) ? state.pairs.slice(0, 2 * capacity) : [];
    this.#seen = state && Number.isFinite(state.seen) ? state.seen : 0;
    let best = state?.best;
    if (best === undefined || !Number.isFinite(best)) {
      best = 0;
      for (let i = 0; i < this.#pairs.length; i += 2) if (this.#pairs[i]! > best) best = this.#pairs[i]!;
    }
    this.#best = best;
  }

  /** Auctions seen since the sample started. */
  get count(): number {
    return this.#seen;
  }

  /**
   * Adds an auction. Returns whether its willingness is above every one seen
   * before (the first auction's is): before the first multiplier, the cold
   * start bids only on such records, so the money it may spend at once goes
   * to the best impressions of its first seconds, not to the first ones
   * (about `ln n` bids among `n` auctions, the secretary problem's rule).
   */
  add(willingCpm: number, floorCpm: number): boolean {
    this.#seen++;
    if (this.#pairs.length < 2 * capacity) this.#pairs.push(willingCpm, floorCpm);
    if (willingCpm <= this.#best) return false;
    this.#best = willingCpm;
    return true;
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
    return { pairs: this.#pairs.slice(), seen: this.#seen, best: this.#best };
  }
}
