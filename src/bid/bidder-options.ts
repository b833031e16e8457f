import type { BidStrategy } from "./bid-strategy.js";
import type { BidderState } from "./bidder-state.js";
import type { BudgetSource } from "./budget-source.js";
import type { DeliverySchedule } from "./delivery-plan.js";
import type { ValueAwarePlan } from "./value-aware-target.js";
import type { DualPacingOptions } from "./dual-pacing-controller.js";
import type { PacingControllerFactory } from "./pacing-controller.js";
import type { PiPacingOptions } from "./pi-pacing-controller.js";
import type { RiskAdjustment } from "./risk-adjusted-ltv.js";
import type { ThrottlingOptions } from "./throttling-pacing-controller.js";
import type { WinRateModelOptions } from "./win-rate-model.js";

/** The budget a bidder paces and never exceeds. */
export interface BudgetOptions {
  /** Amount for the period, in the bidder's `currency`. Required, >= 0. */
  amount: number;
  /** Start of the period, ms on the `now()` clock. Required. */
  periodStart: number;
  /** End of the period (exclusive), ms on the `now()` clock. Required, > periodStart. */
  periodEnd: number;
}

/** Pacing: how spend follows the delivery plan. */
export interface PacingOptions {
  /**
   * The controller: `"dual"` adaptive dual pacing (default), `"none"` (no
   * pacing; only the budget guard stops spend), or one imported on its own:
   * `piPacing` (a PI controller with anti-windup) or `throttlingPacing`
   * (probabilistic throttling), so that a function on the default controller
   * does not ship them. The strings `"pi"` and `"throttle"` are refused
   * (`BidInputError` naming `pacing.controller`, saying what to import).
   */
  controller?: "dual" | "none" | PacingControllerFactory;
  /**
   * The delivery plan. Default `{ kind: "value_aware" }`: spend follows the
   * value on offer, learned by hour of day. Give a schedule only when spend
   * must follow one: `deliverySchedule({ kind: "even" })` (or `asap`, `ahead`,
   * `traffic_shaped`), an import of its own so that a function on the
   * default plan does not ship the schedules. A schedule given as its plain
   * object (`{ kind: "even" }`) is refused (`BidInputError` naming
   * `pacing.plan`, saying what to import).
   */
  plan?: ValueAwarePlan | DeliverySchedule;
  /** How often the controller updates, ms. Default: the period / 1440 (one minute for a day). */
  updateIntervalMs?: number;
  /**
   * Planned wins a window must hold before the controller is corrected
   * against it: a window planned to hold fewer (a small budget, dear
   * impressions) stays open, up to 15 update intervals, until it holds
   * enough, so one win more or less does not swing the multiplier. Not
   * during the cold start, nor while spend is more than 1% of the budget
   * behind target, nor once the window spent more than its longest hold is
   * planned to while spend is more than `maxAheadShare` ahead; `dual`
   * controller only. Default 6; 0 corrects after every
   * interval.
   */
  minWindowWins?: number;
  /**
   * The cold start's spend-rate cap: how far cumulative spend (settled, plus
   * reserved for pending bids) may run ahead of the pacing target, as a
   * share of the budget, at the bidder's creation; the tolerance shrinks to
   * 0 by the end of `coldStartMs`, while the controller learns. A bid that
   * would pass it is a no-bid with reason `ahead_of_target`. It holds
   * whatever the traffic, from the first second of a new bidder to the end
   * of `coldStartMs`; after that the controller holds spend to the target on
   * its own (a cap that stayed on would refuse the first-come impressions of
   * a surge the target has not caught up with, at a cost of value). Default
   * 0.02; 1 turns the cap off. Not applied with the `none` controller or the
   * legacy strategy.
   */
  maxAheadShare?: number;
  /**
   * The cold start of a bidder created without `state`: for this long after
   * creation the spend-rate cap is on, the controller updates ten times as
   * often, and the
   * first window's auctions set the first multiplier (unless `warmStart`
   * gave one). Default 10 x `updateIntervalMs` (ten minutes of a day). 0
   * turns the cold start, and with it the cap, off.
   */
  coldStartMs?: number;
  /** Tuning of the dual controller (defaults there). */
  dual?: DualPacingOptions;
  /** Tuning of the PI controller (defaults there). */
  pi?: PiPacingOptions;
  /** Tuning of throttling (defaults there). */
  throttle?: ThrottlingOptions;
}

/** What the bidder does without a usable prediction, and with a FALLBACK one. */
export interface FallbackOptions {
  /**
   * Share of the value bid when the value does not come from a SUCCESS
   * prediction (status FALLBACK, or a heuristic from the prior LTV). Default 0.5.
   */
  factor?: number;
  /**
   * A fixed prior LTV for heuristic bids. Default: learned, a moving average
   * of the risk-adjusted LTV of SUCCESS predictions (see `priorWindow`);
   * until the first one, heuristic decisions are no-bids.
   */
  ltv?: number;
  /** Number of predictions the learned prior LTV averages over (exponential window). Default 500. */
  priorWindow?: number;
}

/** Options of {@link createBidder}. */
export interface BidderOptions {
  /** The budget. Required. */
  budget: BudgetOptions;
  /** Currency of the budget, of predictions and of `valueCpm`. Default "USD". */
  currency?: string;
  /**
   * Exchange rates into the bidder's currency: `{ EUR: 1.08 }` means one EUR
   * is 1.08 of the bidder's currency. Default `{}`: an auction whose
   * `bidfloorcur` differs from `currency` gets a `currency_unsupported`
   * no-bid (rates are never guessed).
   */
  currencyRates?: Readonly<Record<string, number>>;
  /** The bid strategy. Default `{ kind: "max_value" }`. */
  strategy?: BidStrategy;
  /** Margin applied to value (share of revenue that is profit). Default 1. Can be overridden per bid. */
  margin?: number;
  /** How prediction uncertainty lowers value. Default `"confidence_bounds"`. */
  riskAdjustment?: RiskAdjustment;
  /**
   * Per-platform calibration multipliers on value. Default `{}` (1.0 for all).
   * `platformMultiplierPreset` holds the original demo's values. They are the
   * prior of the learned calibration fed by `recordReturn`.
   */
  platformMultipliers?: Readonly<Record<string, number>>;
  /** Predicted value at which learned calibration weighs as much as the prior multiplier. Default 100. */
  calibrationPriorWeight?: number;
  /** Pacing. Default: dual controller, value-aware plan, 2% spend-rate cap, cold start. */
  pacing?: PacingOptions;
  /**
   * Shading of first-price bids with a learned win-rate model: `true`
   * (default) with default model options, an options object, or `false`
   * to bid the paced value in first-price auctions too.
   */
  shading?: boolean | WinRateModelOptions;
  /** Fallback behaviour. */
  fallback?: FallbackOptions;
  /**
   * Smallest bid worth placing, CPM in the bidder's currency; acts as a floor
   * of its own (so the last cents of a budget are not bid as dust). Default 0.01.
   */
  minBidCpm?: number;
  /** Time kept back from `tmax` for the network, ms. Default 20. */
  networkMarginMs?: number;
  /** How long a bid's reservation waits for its outcome before it is released, ms. Default 60 000. */
  outcomeTimeoutMs?: number;
  /** Expired bids remembered so a late win notice still counts. Default 1024. */
  expiredMemory?: number;
  /** The clock, ms. Default `Date.now`. Inject a simulated clock for determinism. */
  now?: () => number;
  /** Seed of the generator used by throttling. Default 1. Ignored when `state` is given. */
  seed?: number;
  /** Prefix of decision ids (ids are `prefix + sequence number`). Default "". */
  idPrefix?: string;
  /**
   * A budget shared with other processes (a fleet ledger from
   * `syncvalue/fleet`): bids also stay within its headroom, and every
   * reservation and settlement is reported to it. `budget.amount` then is the
   * campaign total (for pacing). Default: none, the local budget is the whole budget.
   */
  budgetSource?: BudgetSource;
  /** State captured with `bidder.toJSON()` to resume from. Default: a fresh bidder. */
  state?: BidderState;
  /**
   * What another instance learned, to start warm: its `toJSON()` (a bidder of
   * the same campaign in another process, or yesterday's). The pacing
   * multiplier, the win-rate model, the traffic and value profile, the prior
   * LTV and the platform calibration are copied; its budget, pending bids,
   * ids and random generator are not. Ignored when `state` is given.
   */
  warmStart?: BidderState;
}
