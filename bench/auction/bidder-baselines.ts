import { piPacing, throttlingPacing, type BidderOptions } from "../../src/bid/index.js";
import { hourlyTrafficWeights } from "./auction-generator.js";

/** A bidder configuration compared in the simulation. */
export interface Baseline {
  id: string;
  description: string;
  /** Options on top of the common ones (budget, clock, currency rates, plan). */
  options: Partial<BidderOptions>;
  /**
   * `true`: starts from its own state at the end of the day before (a
   * stationary day of another seed), as a deployed bidder would, except in
   * scenarios marked `coldStart`. `"alike"` (a diagnostic): the day before is
   * the same scenario (another seed), even in `coldStart` ones, so the state
   * already knows the day's traffic and prices: what learning across days can
   * foresee. Default false: a fresh bidder.
   */
  warmStart?: boolean | "alike";
  /**
   * A diagnostic reference, not a bidder anyone can deploy: the simulation sets its
   * first-price bids itself from the bidder's paced bid (the bidder runs unshaded).
   * `price_to_win`: it pays exactly the price to win when the paced bid reaches it (perfect
   * shading: what is left is pacing). `true_landscape`: it shades to the best bid against the
   * impression's true distribution of the competing bid (the best shading without seeing the
   * competing bid; its median follows the impression's true value). `own_value_landscape`: it
   * shades to the best bid against the best log-normal landscape given the bidder's own value
   * estimate, fitted in hindsight on the day's true competing bids (the most a landscape learned
   * from the bidder's own view can reach). Default: the bidder's own bids.
   */
  firstPrice?: "price_to_win" | "true_landscape" | "own_value_landscape";
}

/** The default bidder's options in the simulation: the value-aware plan with the nominal traffic curve as its prior. */
const defaultOptions: Partial<BidderOptions> = {
  pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } },
};

/** The baselines of the issue, in report order: the bidders, the default bidder, then four diagnostic references. */
export const baselines: readonly Baseline[] = [
  {
    id: "legacy-30pct",
    description: "original rule: bid 30% of predicted LTV as CPM, no pacing",
    options: { strategy: { kind: "legacy_ltv_share", share: 0.3 }, pacing: { controller: "none" }, shading: false },
  },
  {
    id: "truthful",
    description: "bid the impression's value (p x LTV), no pacing",
    options: { pacing: { controller: "none" }, shading: false },
  },
  { id: "throttle", description: "value bids, probabilistic throttling", options: { pacing: { controller: throttlingPacing }, shading: false } },
  { id: "pi", description: "value x PI-controlled multiplier", options: { pacing: { controller: piPacing }, shading: false } },
  { id: "dual", description: "adaptive dual pacing, no shading", options: { pacing: { controller: "dual" }, shading: false } },
  {
    id: "dual+shading",
    description: "the previous default: dual pacing on the traffic-shaped plan, one pooled win-rate curve, fresh",
    options: { pacing: { controller: "dual" }, shading: { segments: false } },
  },
  {
    id: "default",
    description:
      "the default bidder: dual pacing on the value-aware plan (prior: the nominal hourly traffic), " +
      "win-rate curves per segment, started from yesterday's state",
    options: defaultOptions,
    warmStart: true,
  },
  {
    id: "ref:yesterday-alike",
    description:
      "diagnostic: the default bidder whose day before was the same scenario (another seed), so its learned profile already " +
      "knows the day's traffic and prices, and a new bidder is warm: what foreseeing the day gives the default's pacing",
    options: defaultOptions,
    warmStart: "alike",
  },
  {
    id: "ref:own-value-landscape",
    description:
      "diagnostic, not deployable: the default's pacing, first-price bids shaded against the best log-normal landscape " +
      "given the bidder's own value estimate, fitted in hindsight on the day's true competing bids (the most a learned landscape can reach)",
    options: { pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } }, shading: false },
    warmStart: true,
    firstPrice: "own_value_landscape",
  },
  {
    id: "ref:true-landscape",
    description:
      "diagnostic, not deployable: the default's pacing, first-price bids shaded against each impression's true " +
      "distribution of the competing bid (the best shading without seeing the competing bid)",
    options: { pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } }, shading: false },
    warmStart: true,
    firstPrice: "true_landscape",
  },
  {
    id: "ref:price-to-win",
    description: "diagnostic, not deployable: the default's pacing, first-price wins at exactly the price to win (perfect shading: pacing alone)",
    options: { pacing: { controller: "dual", plan: { kind: "value_aware", hourlyWeights: hourlyTrafficWeights() } }, shading: false },
    warmStart: true,
    firstPrice: "price_to_win",
  },
];
