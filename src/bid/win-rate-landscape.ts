import { BidInputError, requireNonNegative, requirePositive } from "./bid-input-error.js";
import { CompetingBidSlope, type CompetingBidSlopeState } from "./competing-bid-slope.js";
import { WinRateModel, type WinRateModelOptions, type WinRateModelState, type WinRatePrior } from "./win-rate-model.js";

/** Platforms whose segment keys are interned; further ones are keyed without a platform. */
const maxPlatforms = 64;

/** Serialisable segments of a {@link WinRateLandscape}: `[key, curve]` pairs (the pooled curve is kept apart). */
export type WinRateSegmentsState = Array<[string, WinRateModelState]>;

/** A segment's curve and the landscape's clock when it last learned. */
interface Segment {
  curve: WinRateModel;
  clock: number;
}

/**
 * The bid landscape for first-price shading: a pooled win-rate curve and one
 * per segment of impressions, keyed by what predicts the price: the
 * impression's value (buckets of a factor of 2), whether it has a floor, and
 * its platform. A segment's curve starts empty and is read mixed
 * with the pooled one weighing `segmentPriorWeight` observations, so a thin
 * segment shades like the pooled curve and a well-observed one by its own.
 * Every outcome feeds the pooled curve and its segment's. A segment forgets
 * at the pace of all outcomes (the landscape's clock), not of its own: one
 * that sees a few outcomes an hour would otherwise keep yesterday's market
 * all day.
 *
 * With `valueLinked` (the default) prices are read on a value-normalised
 * scale: a {@link CompetingBidSlope} learns how the competing bid rises with
 * the impression's value, and every curve holds prices scaled to a typical
 * impression's, so all outcomes teach one shape whose location follows value.
 */
export class WinRateLandscape {
  readonly #pooled: WinRateModel;
  readonly #segments = new Map<string, Segment>();
  readonly #keys = new Map<string, string[]>();
  readonly #options: WinRateModelOptions;
  readonly #prior: WinRatePrior;
  readonly #maxSegments: number;
  readonly #segmented: boolean;
  readonly #slope: CompetingBidSlope | undefined;
  /** Outcomes learned so far (every first-price outcome ticks it once). */
  #clock: number;

  constructor(
    options: WinRateModelOptions,
    pooled?: WinRateModelState,
    segments?: WinRateSegmentsState,
    slope?: CompetingBidSlopeState,
  ) {
    this.#options = options;
    this.#pooled = new WinRateModel(options, pooled);
    this.#clock = pooled?.clock === undefined ? 0 : requireNonNegative("state.winRate.clock", pooled.clock);
    this.#segmented = options.segments ?? true;
    this.#prior = { model: this.#pooled, weight: requireNonNegative("shading.segmentPriorWeight", options.segmentPriorWeight ?? 20) };
    this.#maxSegments = requirePositive("shading.maxSegments", options.maxSegments ?? 256);
    const valueLinked = options.valueLinked ?? true;
    if (typeof valueLinked !== "boolean") throw new BidInputError("shading.valueLinked", "must be a boolean");
    this.#slope = valueLinked
      ? new CompetingBidSlope(options.halfLife ?? 500, options.slopePriorWeight ?? 20, slope)
      : undefined;
    if (this.#segmented && Array.isArray(segments)) {
      for (const [key, s] of segments.slice(0, this.#maxSegments)) {
        const curve = new WinRateModel(options, s, true);
        // A state from before the clock: the segment fades from now on.
        const clock = s.clock === undefined ? this.#clock : requireNonNegative("state.winRateSegments.clock", s.clock);
        this.#segments.set(String(key), { curve, clock: Math.min(clock, this.#clock) });
      }
    }
  }

  /** The segment key of an impression; `undefined` when segments are off. */
  keyOf(valueCpm: number, floorCpm: number, platform: string | undefined): string | undefined {
    if (!this.#segmented) return undefined;
    const v = valueCpm > 0 ? Math.max(-4, Math.min(10, Math.floor(Math.log2(valueCpm)))) : -5;
    // The floor splits by presence only: finer floor buckets thinned the segments without a
    // measurable gain in the simulation (and more segments cost bid()'s p99 in cache misses).
    const f = floorCpm > 0 ? 1 : 0;
    // Keys are interned per platform so a bid allocates no string once its segment has been seen
    // (allocation per bid showed at p99); platforms past the table's size share the anonymous row.
    const name = platform ?? "";
    let row = this.#keys.get(name);
    if (row === undefined) {
      if (this.#keys.size >= maxPlatforms) return this.keyOf(valueCpm, floorCpm, undefined);
      row = [];
      this.#keys.set(name, row);
    }
    const i = (v + 5) * 2 + f;
    return (row[i] ??= `${name}|${v}|${f === 1 ? "floor" : "none"}`);
  }

  /** Whether the pooled curve has enough feedback to shade with. */
  isReady(): boolean {
    return this.#pooled.isReady();
  }

  observationCount(): number {
    return this.#pooled.observationCount();
  }

  /** The number of segments learned. */
  segmentCount(): number {
    return this.#segments.size;
  }

  /** The learned slope of log(competing bid) on log(impression value); 0 without `valueLinked` or while thin. */
  slope(): number {
    return this.#slope?.slope() ?? 0;
  }

  /**
   * The surplus-maximising first-price bid for an impression of segment `key` (see {@link WinRateModel.bestBid}):
   * `valueCpm` is what the bid may go up to (the paced value), `impressionValueCpm` the impression's
   * value before pacing, which places it on the value-linked scale (omitted: read unscaled).
   */
  bestBid(valueCpm: number, floorCpm: number, key: string | undefined, impressionValueCpm?: number): number | undefined {
    const segment = key === undefined ? undefined : this.#segments.get(key)?.curve;
    const s = this.#slope === undefined ? 1 : this.#slope.scaleOf(impressionValueCpm);
    const best =
      segment === undefined
        ? this.#pooled.bestBid(valueCpm * s, floorCpm * s)
        : segment.bestBid(valueCpm * s, floorCpm * s, this.#prior);
    return best === undefined || s === 1 ? best : best / s;
  }

  /**
   * Feeds an outcome to the pooled curve and to its segment's (created on first use, up to `maxSegments`).
   * `floorCpm` is the auction's floor (see {@link WinRateModel.observe}); `impressionValueCpm` the
   * impression's value before pacing, as given to `bestBid` (omitted: the outcome does not teach the slope).
   */
  observe(
    key: string | undefined,
    won: boolean,
    bidCpm: number,
    minBidToWinCpm: number | undefined,
    floorCpm = 0,
    impressionValueCpm?: number,
  ): void {
    let s = 1;
    if (this.#slope !== undefined && impressionValueCpm !== undefined) {
      // What the outcome says of the competing bid (see WinRateModel.observe for the floor's case).
      if (minBidToWinCpm !== undefined && minBidToWinCpm > 0) {
        if (floorCpm > 0 && minBidToWinCpm <= floorCpm * (1 + 1e-9)) this.#slope.observe(impressionValueCpm, "at_most", floorCpm);
        else this.#slope.observe(impressionValueCpm, "exact", minBidToWinCpm);
      } else if (bidCpm > 0) {
        this.#slope.observe(impressionValueCpm, won ? "at_most" : "above", bidCpm);
      }
      s = this.#slope.scaleOf(impressionValueCpm);
    }
    if (s !== 1) {
      bidCpm *= s;
      floorCpm *= s;
      if (minBidToWinCpm !== undefined) minBidToWinCpm *= s;
    }
    this.#clock += 1;
    if (key !== undefined) {
      let segment = this.#segments.get(key);
      if (segment === undefined && this.#segments.size < this.#maxSegments) {
        segment = { curve: new WinRateModel(this.#options, undefined, true), clock: this.#clock - 1 };
        this.#segments.set(key, segment);
      }
      if (segment !== undefined) {
        // Before the pooled curve learns from this outcome, so the segment's censored spread uses the prior it was bid with;
        // faded by every outcome since its last, so it forgets at the market's pace.
        segment.curve.observe(won, bidCpm, minBidToWinCpm, this.#prior, floorCpm, this.#clock - segment.clock);
        segment.clock = this.#clock;
      }
    }
    this.#pooled.observe(won, bidCpm, minBidToWinCpm, undefined, floorCpm);
  }

  /** The pooled curve's state (the version-1 `winRate`), with the landscape's clock. */
  pooledState(): WinRateModelState {
    return { ...this.#pooled.toJSON(), clock: this.#clock };
  }

  /** The value-linked slope's state; undefined without `valueLinked`. */
  slopeState(): CompetingBidSlopeState | undefined {
    return this.#slope?.toJSON();
  }

  segmentsState(): WinRateSegmentsState {
    return Array.from(this.#segments, ([k, m]) => [k, { ...m.curve.toJSON(), clock: m.clock }] as [string, WinRateModelState]);
  }
}
