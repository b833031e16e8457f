import { requireNonNegative, requirePositive } from "./bid-input-error.js";
import { WinRateModel, type WinRateModelOptions, type WinRateModelState, type WinRatePrior } from "./win-rate-model.js";

/** Platforms whose segment keys are interned; further ones are keyed without a platform. */
const maxPlatforms = 64;

/** Serialisable segments of a {@link WinRateLandscape}: `[key, curve]` pairs (the pooled curve is kept apart). */
export type WinRateSegmentsState = Array<[string, WinRateModelState]>;

/**
 * The bid landscape for first-price shading: a pooled win-rate curve and one
 * per segment of impressions, keyed by what predicts the price: the
 * impression's value (buckets of a factor of 2), whether it has a floor, and
 * its platform. A segment's curve starts empty and is read mixed
 * with the pooled one weighing `segmentPriorWeight` observations, so a thin
 * segment shades like the pooled curve and a well-observed one by its own.
 * Every outcome feeds the pooled curve and its segment's.
 */
export class WinRateLandscape {
  readonly #pooled: WinRateModel;
  readonly #segments = new Map<string, WinRateModel>();
  readonly #keys = new Map<string, string[]>();
  readonly #options: WinRateModelOptions;
  readonly #prior: WinRatePrior;
  readonly #maxSegments: number;
  readonly #segmented: boolean;

  constructor(options: WinRateModelOptions, pooled?: WinRateModelState, segments?: WinRateSegmentsState) {
    this.#options = options;
    this.#pooled = new WinRateModel(options, pooled);
    this.#segmented = options.segments ?? true;
    this.#prior = { model: this.#pooled, weight: requireNonNegative("shading.segmentPriorWeight", options.segmentPriorWeight ?? 20) };
    this.#maxSegments = requirePositive("shading.maxSegments", options.maxSegments ?? 256);
    if (this.#segmented && Array.isArray(segments)) {
      for (const [key, s] of segments.slice(0, this.#maxSegments)) {
        this.#segments.set(String(key), new WinRateModel(options, s, true));
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

  /** The surplus-maximising first-price bid for an impression of segment `key` (see {@link WinRateModel.bestBid}). */
  bestBid(valueCpm: number, floorCpm: number, key: string | undefined): number | undefined {
    const segment = key === undefined ? undefined : this.#segments.get(key);
    return segment === undefined ? this.#pooled.bestBid(valueCpm, floorCpm) : segment.bestBid(valueCpm, floorCpm, this.#prior);
  }

  /**
   * Feeds an outcome to the pooled curve and to its segment's (created on first use, up to `maxSegments`).
   * `floorCpm` is the auction's floor (see {@link WinRateModel.observe}).
   */
  observe(key: string | undefined, won: boolean, bidCpm: number, minBidToWinCpm: number | undefined, floorCpm = 0): void {
    if (key !== undefined) {
      let segment = this.#segments.get(key);
      if (segment === undefined && this.#segments.size < this.#maxSegments) {
        segment = new WinRateModel(this.#options, undefined, true);
        this.#segments.set(key, segment);
      }
      // Before the pooled curve learns from this outcome, so the segment's censored spread uses the prior it was bid with.
      segment?.observe(won, bidCpm, minBidToWinCpm, this.#prior, floorCpm);
    }
    this.#pooled.observe(won, bidCpm, minBidToWinCpm, undefined, floorCpm);
  }

  /** The pooled curve's state (the version-1 `winRate`). */
  pooledState(): WinRateModelState {
    return this.#pooled.toJSON();
  }

  segmentsState(): WinRateSegmentsState {
    return Array.from(this.#segments, ([k, m]) => [k, m.toJSON()] as [string, WinRateModelState]);
  }
}
