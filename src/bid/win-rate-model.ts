import { BidInputError, requireFinite, requirePositive } from "./bid-input-error.js";

/** Options of the win-rate model used to shade first-price bids. */
export interface WinRateModelOptions {
  /** Lowest price the model resolves, CPM. Default 0.01. */
  minCpm?: number;
  /** Highest price the model resolves, CPM. Default 1000. */
  maxCpm?: number;
  /** Resolution: log-spaced bins per factor of ten. Default 20 (about 12% per bin). */
  binsPerDecade?: number;
  /**
   * Observations after which an observation's weight has halved, so the model
   * tracks a moving market. Default 500 (a couple of hours of first-price
   * outcomes at 10,000 a day: 2000 kept a warm bidder on yesterday's market
   * most of the day).
   */
  halfLife?: number;
  /** Effective observations needed before shading starts; until then bids are not shaded. Default 30. */
  minObservations?: number;
  /**
   * Learn a curve per segment of impressions (value bucket, floor or not, and
   * platform), each shrunk towards the pooled curve, so valuable impressions
   * that face higher competing bids are not shaded like cheap ones. Default true.
   */
  segments?: boolean;
  /** How many observations the pooled curve weighs in a segment's estimate (its prior). Default 20. */
  segmentPriorWeight?: number;
  /** Most segments kept; impressions of further ones use the pooled curve. Default 256. */
  maxSegments?: number;
  /**
   * Learn how the competing bid rises with the impression's value (a slope
   * of log price on log value, from exact and censored outcomes) and read
   * every curve at prices scaled to a typical impression's, so all outcomes
   * teach one shape whose location follows value. Default true.
   */
  valueLinked?: boolean;
  /** How many observations the prior slope 0 (no link to value) weighs against the learned one. Default 20. */
  slopePriorWeight?: number;
}

/** A curve's prior: another model (the pooled curve) and how many observations it weighs. */
export interface WinRatePrior {
  model: WinRateModel;
  weight: number;
}

/** Serialisable state of a {@link WinRateModel}. */
export interface WinRateModelState {
  /** Weight per price bin (log-spaced). */
  weights: number[];
  /** Decayed count of observations. */
  observations: number;
  /**
   * The landscape's count of observations (every first-price outcome) when
   * this curve last learned: a segment fades by the outcomes of all segments
   * since then, not only its own. Absent before this release (no catch-up).
   */
  clock?: number;
}

/**
 * An online estimate of the distribution of the minimum bid to win (the best
 * competing bid, or the floor), so `winProbability(b) = P(min bid to win <= b)`.
 *
 * It is a histogram over log-spaced price bins, learned from three kinds of
 * feedback: an exact minimum bid to win (OpenRTB 2.6 `AUCTION_MIN_TO_WIN`
 * macro), a win at `b` without it (the price was at most `b`: censored), and a
 * loss at `b` without it (the price was above `b`: censored). Censored
 * observations are spread over the bins they allow in proportion to the
 * current estimate: one step of expectation-maximisation per observation, the
 * standard way to learn a distribution from interval-censored data. Old
 * observations decay so the model follows a market that moves.
 */
export class WinRateModel {
  readonly #minLog: number;
  readonly #step: number;
  readonly #bins: number;
  readonly #decay: number;
  readonly #minObservations: number;
  readonly #weights: Float64Array;
  #observations: number;
  readonly #cumulative: Float64Array;
  readonly #edges: Float64Array;
  #dirty = true;

  /**
   * @param empty - start with no weight at all (a segment whose prior is the
   * pooled curve) instead of the flat one-observation prior.
   */
  constructor(options: WinRateModelOptions = {}, state?: WinRateModelState, empty = false) {
    const minCpm = requirePositive("shading.minCpm", options.minCpm ?? 0.01);
    const maxCpm = requirePositive("shading.maxCpm", options.maxCpm ?? 1000);
    if (maxCpm <= minCpm) throw new BidInputError("shading.maxCpm", "must be greater than shading.minCpm");
    const perDecade = requirePositive("shading.binsPerDecade", options.binsPerDecade ?? 20);
    this.#minLog = Math.log(minCpm);
    this.#bins = Math.max(1, Math.ceil(Math.log10(maxCpm / minCpm) * perDecade));
    this.#step = (Math.log(maxCpm) - this.#minLog) / this.#bins;
    this.#decay = Math.pow(2, -1 / requirePositive("shading.halfLife", options.halfLife ?? 500));
    this.#minObservations = requireFinite("shading.minObservations", options.minObservations ?? 30);
    this.#weights = new Float64Array(this.#bins);
    this.#cumulative = new Float64Array(this.#bins + 1);
    this.#edges = new Float64Array(this.#bins + 1);
    for (let k = 0; k <= this.#bins; k++) this.#edges[k] = Math.exp(this.#minLog + k * this.#step);
    if (state) {
      if (!Array.isArray(state.weights) || state.weights.length !== this.#bins) {
        throw new BidInputError("state.winRate.weights", `must have ${this.#bins} bins for these shading options`);
      }
      state.weights.forEach((w, i) => (this.#weights[i] = requireFinite("state.winRate.weights", w)));
      this.#observations = requireFinite("state.winRate.observations", state.observations);
    } else {
      // A flat prior over log-price so EM has support everywhere; it weighs
      // as one observation and fades like any other.
      if (!empty) this.#weights.fill(1 / this.#bins);
      this.#observations = 0;
    }
  }

  /** Whether enough feedback has arrived to trust the model for shading. */
  isReady(): boolean {
    return this.#observations >= this.#minObservations;
  }

  /** The decayed number of observations so far. */
  observationCount(): number {
    return this.#observations;
  }

  /** Estimated probability of winning with a bid of `bidCpm`. */
  winProbability(bidCpm: number): number {
    this.#refresh();
    const total = this.#cumulative[this.#bins]!;
    if (total <= 0 || bidCpm <= 0) return 0;
    const pos = (Math.log(bidCpm) - this.#minLog) / this.#step;
    if (pos <= 0) return 0;
    if (pos >= this.#bins) return 1;
    const j = Math.floor(pos);
    const below = this.#cumulative[j]! + (pos - j) * this.#weights[j]!;
    return below / total;
  }

  /**
   * The first-price bid that maximises expected surplus `(value - b) x P(win | b)`
   * over `b` in `[floor, value]`, searched at the bin edges and the floor.
   * Returns undefined when `value < floor`.
   */
  bestBid(valueCpm: number, floorCpm: number, prior?: WinRatePrior): number | undefined {
    if (valueCpm < floorCpm || valueCpm <= 0) return undefined;
    this.#refresh();
    const own = this.#cumulative;
    const total = own[this.#bins]!;
    // With a prior, P(win | b) = (own weight below b + w x prior's share below b) / (own total + w);
    // without one, `mixed` is the own curve at scale 0 (adding 0 x a finite weight is exact).
    const scale = this.#priorScale(prior);
    const mixed = scale > 0 ? prior!.model.#cumulative : own;
    const mixTotal = total + (scale > 0 ? prior!.weight : 0);
    if (mixTotal <= 0) return valueCpm;
    let best = floorCpm > 0 ? floorCpm : 0;
    let bestSurplus = 0;
    if (floorCpm > 0) {
      const pos = (Math.log(floorCpm) - this.#minLog) / this.#step;
      let atFloor: number;
      if (pos <= 0) atFloor = 0;
      else if (pos >= this.#bins) atFloor = mixTotal;
      else {
        const j = Math.floor(pos);
        const lo = own[j]! + scale * mixed[j]!;
        const hi = own[j + 1]! + scale * mixed[j + 1]!;
        atFloor = lo + (pos - j) * (hi - lo);
      }
      bestSurplus = (valueCpm - floorCpm) * (atFloor / mixTotal);
    }
    const start = floorCpm > 0 ? Math.max(0, Math.floor((Math.log(floorCpm) - this.#minLog) / this.#step) + 1) : 1;
    for (let k = start; k <= this.#bins; k++) {
      const edge = this.#edges[k]!;
      if (edge >= valueCpm) break;
      const surplus = (valueCpm - edge) * ((own[k]! + scale * mixed[k]!) / mixTotal);
      if (surplus > bestSurplus) {
        bestSurplus = surplus;
        best = edge;
      }
    }
    // Nothing with positive expected surplus inside the model's range (a
    // market above our value): bid the value, the most we can justify.
    return bestSurplus > 0 ? best : valueCpm;
  }

  /**
   * Records an auction outcome. `minBidToWinCpm`, when known, makes the
   * observation exact; a censored one is spread by the current estimate,
   * mixed with `prior` when given.
   *
   * The curve is of the best competing bid, not of the minimum bid to win
   * (the larger of it and the floor): each auction's own floor is applied
   * when bidding (`bestBid` never bids below it), so a curve that mixed in
   * other auctions' floors would misjudge every auction whose floor differs.
   * So a minimum bid to win at the auction's `floorCpm` only says the
   * competing bid was at most the floor (censored), and one above it is the
   * competing bid. Default floor 0 (none known).
   *
   * `steps` is how many observations' worth of decay to apply first: 1 for
   * a curve that sees every outcome, more for a segment's curve that sees a
   * share of them, so it forgets at the market's pace rather than its own.
   */
  observe(won: boolean, bidCpm: number, minBidToWinCpm?: number, prior?: WinRatePrior, floorCpm = 0, steps = 1): void {
    this.#fade(steps);
    if (minBidToWinCpm !== undefined && minBidToWinCpm > 0 && floorCpm > 0 && minBidToWinCpm <= floorCpm * (1 + 1e-9)) {
      this.#spreadCensored(floorCpm, true, prior);
    } else if (minBidToWinCpm !== undefined && minBidToWinCpm > 0) {
      this.#weights[this.#binOf(minBidToWinCpm)]! += 1;
    } else if (bidCpm > 0) {
      this.#spreadCensored(bidCpm, won, prior);
    } else {
      return;
    }
    this.#observations += 1;
    this.#dirty = true;
    // Rebuild the cumulative curve here, on the outcome path, so bid() finds it ready: with a
    // segment and the pooled curve read per first-price bid, lazy rebuilds showed at bid()'s p99.
    this.#refresh();
  }

  toJSON(): WinRateModelState {
    return { weights: Array.from(this.#weights), observations: this.#observations };
  }

  #fade(steps: number): void {
    const d = steps === 1 ? this.#decay : Math.pow(this.#decay, steps);
    for (let i = 0; i < this.#bins; i++) this.#weights[i]! *= d;
    this.#observations *= d;
    this.#dirty = true;
  }

  #binOf(cpm: number): number {
    const j = Math.floor((Math.log(cpm) - this.#minLog) / this.#step);
    return j < 0 ? 0 : j >= this.#bins ? this.#bins - 1 : j;
  }

  /** One EM step: spread a unit of weight over the bins the censored observation allows. */
  #spreadCensored(bidCpm: number, atOrBelow: boolean, prior?: WinRatePrior): void {
    const pos = (Math.log(bidCpm) - this.#minLog) / this.#step;
    const jb = this.#binOf(bidCpm);
    const frac = Math.min(1, Math.max(0, pos - jb)); // share of bin jb below the bid
    const from = atOrBelow ? 0 : jb;
    const to = atOrBelow ? jb : this.#bins - 1;
    const pScale = this.#priorScale(prior);
    const estimate = (j: number): number => this.#weights[j]! + (pScale > 0 ? pScale * prior!.model.#weights[j]! : 0);
    // Bin jb counts only for the share of it the observation allows.
    const allowed = (j: number): number => estimate(j) * (j !== jb ? 1 : atOrBelow ? frac : 1 - frac);
    let sum = 0;
    for (let j = from; j <= to; j++) sum += allowed(j);
    if (sum <= 0) {
      this.#weights[jb]! += 1;
      return;
    }
    for (let j = from; j <= to; j++) this.#weights[j]! += allowed(j) / sum;
  }

  /** Per unit of the prior's own weight, what its curve adds to this one's: 0 without a prior (or an empty one). */
  #priorScale(prior: WinRatePrior | undefined): number {
    if (prior === undefined || !(prior.weight > 0)) return 0;
    prior.model.#refresh();
    const pTotal = prior.model.#cumulative[prior.model.#bins]!;
    return pTotal > 0 ? prior.weight / pTotal : 0;
  }

  #refresh(): void {
    if (!this.#dirty) return;
    let c = 0;
    this.#cumulative[0] = 0;
    for (let i = 0; i < this.#bins; i++) {
      c += this.#weights[i]!;
      this.#cumulative[i + 1] = c;
    }
    this.#dirty = false;
  }
}
