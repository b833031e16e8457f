import { normaliseAuction, decisionDeadline, type AuctionInput } from "./auction-input.js";
import { BidInputError, requireFinite, requireNonNegative, requirePositive, requireProbability } from "./bid-input-error.js";
import type { BidDecision, NoBid, PlacedBid } from "./bid-decision.js";
import { DecisionRecord } from "./decision-record.js";
import type { BidReason, NoBidReason } from "./bid-reason.js";
import { legacyLtvShareDefault, strategyWillingness, validateStrategy, type BidStrategy } from "./bid-strategy.js";
import type { BidderOptions } from "./bidder-options.js";
import type { DeliverySchedule } from "./delivery-plan.js";
import { bidderStateVersion, type BidderState } from "./bidder-state.js";
import { BudgetGuard, type Reservation } from "./budget-guard.js";
import { createDualPacingController } from "./dual-pacing-controller.js";
import { impressionValue, toCpm } from "./impression-value.js";
import { createNoPacingController, type PacingController, type PacingControllerFactory, type PacingControllerState } from "./pacing-controller.js";
import { PlatformCalibration } from "./platform-multipliers.js";
import {
  predictionStatusName,
  validatePrediction,
  type PredictionInput,
  type PredictionStatusName,
} from "./prediction-input.js";
import { riskAdjustedLtv, type RiskAdjustment } from "./risk-adjusted-ltv.js";
import { createSeededRandom, type SeededRandom } from "./seeded-random.js";
import { ExplorationSample } from "./exploration-sample.js";
import { createScheduleTarget, type PacingTarget } from "./pacing-target.js";
import { createValueAwareTarget } from "./value-aware-target.js";
import { WinRateLandscape } from "./win-rate-landscape.js";

/** Longest a window is held open for want of planned wins, in update intervals (15 minutes of a day). */
const maxWindowIntervals = 15;

/** One impression to bid on. */
export interface BidInput {
  /**
   * The prediction for the customer: an `LTVPredictionResponse` (protobuf-es
   * or TCP-decoded) or any object with its fields. Omit it when none is
   * available (outage, not called, still in flight at the deadline): the
   * bidder then bids from its prior LTV, conservatively, or not at all.
   */
  prediction?: PredictionInput;
  /**
   * When the prediction arrived, on the `now()` clock. Default `now()`. Later than the deadline means ignored.
   *
   * @deprecated Race the prediction against {@link Bidder.decisionDeadline}
   * instead, and call `bid()` by the deadline with what has arrived (omit
   * `prediction` if nothing has): the one documented way to handle a late
   * prediction. Still honoured: a time after the deadline makes the
   * prediction count as late (`heuristic_late_prediction`).
   */
  predictionReceivedAt?: number;
  /**
   * The impression's id (OpenRTB `Imp.id`, or your own), copied onto the
   * decision and into the syncflow request, so bids, outcomes and logs can be
   * joined. Optional; any non-empty string.
   */
  impressionId?: string;
  /** P(conversion | impression), 0..1, from the caller's own model. Required. */
  conversionRate: number;
  /** The platform (google_ads, meta, tiktok, linkedin, amazon, tradedesk, x...), for its multiplier. */
  platform?: string;
  /** The auction. Required. */
  auction: AuctionInput;
  /** Overrides the `margin` option for this bid. */
  margin?: number;
}

/** The outcome of a bid, as reported by the exchange (win notice, loss notice, billing). */
export interface OutcomeInput {
  /** `decision.decisionId`. Unknown or already settled ids are ignored. */
  decisionId: string;
  /** Whether the impression was won. */
  won: boolean;
  /**
   * Clearing price, CPM, in the auction currency. A first-price win without
   * it costs the bid (what a first-price win costs). A second-price win needs
   * it, or `minBidToWinCpm` (the same price): without either it is an input
   * error, since booking the full bid would overstate spend.
   */
  priceCpm?: number;
  /**
   * OpenRTB 2.6 minimum bid to win (`${AUCTION_MIN_TO_WIN}`), CPM, auction
   * currency, when the exchange sends it. First price: it teaches the
   * win-rate model. Second price: it is the clearing price of a win, used
   * when `priceCpm` is absent.
   */
  minBidToWinCpm?: number;
}

/** What `recordOutcome` did. */
export interface OutcomeResult {
  /** False when the id was unknown or already settled: nothing changed. */
  applied: boolean;
  /**
   * `win_settled`, `loss_released`, `late_win_settled` (a win after its
   * reservation expired: counted, since the money was spent), `late_loss`, or
   * `unknown_decision`.
   */
  reason: "win_settled" | "loss_released" | "late_win_settled" | "late_loss" | "unknown_decision";
  /** Spend recorded by this outcome, bidder currency. */
  spend: number;
}

/** Realised return for the platform calibration. */
export interface ReturnInput {
  platform: string;
  /** Value that was predicted for the won impressions the return belongs to: the sum of their `baseValue`. */
  predictedValue: number;
  /** Value actually realised. */
  realisedValue: number;
}

/** A read-only view of a bidder's budget and pacing. */
export interface BidderSnapshot {
  budgetTotal: number;
  spent: number;
  reserved: number;
  pendingCount: number;
  available: number;
  pacing: PacingControllerState;
  pacingMultiplier: number;
  /**
   * The pacing target at `now()` as a share of the budget: spend at the
   * bidder's origin (creation) plus the target's share of the rest.
   */
  plannedFraction: number;
  /** The pacing target at `now()`, bidder currency (`plannedFraction x budgetTotal`). */
  targetSpend: number;
  /** What spend plus reservations may reach at `now()` while the cold start's cap is on: the target plus its tolerance. */
  spendAllowance: number;
  /** Whether the cold start (spend-rate cap, short controller windows) is still on. */
  coldStart: boolean;
  winRateObservations: number;
  priorLtv: number | undefined;
}

/** A budget-aware bidder. Not thread-safe; one per campaign and process. */
export interface Bidder {
  /** Decides on one impression. Synchronous, no I/O. Throws {@link BidInputError} on invalid input. */
  bid(input: BidInput): BidDecision;
  /** Settles a bid's reservation and feeds the win-rate model. Idempotent per decision id. */
  recordOutcome(outcome: OutcomeInput): OutcomeResult;
  /** Feeds realised return into the platform calibration. */
  recordReturn(input: ReturnInput): void;
  /** Releases reservations whose outcome is overdue at `now()`; `bid()` does this too. Returns how many. */
  expirePending(): number;
  /** The decision deadline for an auction (see {@link decisionDeadline}). */
  decisionDeadline(auction: AuctionInput): number;
  /** The current multiplier of a platform (prior, refined by `recordReturn`). */
  platformMultiplier(platform: string | undefined): number;
  /** Budget and pacing, for dashboards and tests. */
  snapshot(): BidderSnapshot;
  /** Serialisable state; see {@link BidderState}. */
  toJSON(): BidderState;
}

/**
 * Creates a bidder. See {@link BidderOptions} for every option and its
 * default; the default is max value under budget, adaptive dual pacing on the
 * value-aware plan, first-price bids shaded per impression and risk-adjusted
 * values.
 *
 * Decision pipeline for `bid(input)`, in order; the first step that fails is
 * the no-bid's reason: validate -> release overdue reservations -> pacing
 * window update -> period -> `tmax` -> currency -> budget left -> value
 * (prediction, or FALLBACK, or heuristic) -> throttling -> pacing multiplier
 * -> floor -> first-price shading -> budget guard (cap or no-bid) ->
 * spend-rate cap (`ahead_of_target`) -> reserve.
 *
 * A new bidder (no `state`) starts cold: its pacing target is counted from
 * the moment it is created; for `pacing.coldStartMs` spend plus reservations
 * may not pass that target by more than `pacing.maxAheadShare` of the budget,
 * its controller updates ten times as often, and its first multiplier comes
 * from the auctions of its first window (or from `warmStart`).
 */
export function createBidder(options: BidderOptions): Bidder {
  if (options === undefined || options === null || typeof options !== "object") {
    throw new BidInputError("options", "are required");
  }
  const budgetOptions = options.budget;
  if (budgetOptions === undefined) throw new BidInputError("budget", "is required");
  const budgetAmount = requireNonNegative("budget.amount", budgetOptions.amount);
  const periodStart = requireFinite("budget.periodStart", budgetOptions.periodStart);
  const periodEnd = requireFinite("budget.periodEnd", budgetOptions.periodEnd);
  if (periodEnd <= periodStart) throw new BidInputError("budget.periodEnd", "must be after budget.periodStart");
  const periodLength = periodEnd - periodStart;
  const currency = options.currency ?? "USD";
  const rates: Record<string, number> = {};
  for (const [code, rate] of Object.entries(options.currencyRates ?? {})) {
    rates[code] = requirePositive(`currencyRates.${code}`, rate);
  }
  rates[currency] = 1;
  const strategy: BidStrategy = options.strategy ?? { kind: "max_value" };
  validateStrategy(strategy);
  const legacy = strategy.kind === "legacy_ltv_share";
  const legacyShare = strategy.kind === "legacy_ltv_share" ? (strategy.share ?? legacyLtvShareDefault) : 0;
  const defaultMargin = requirePositive("margin", options.margin ?? 1);
  const riskAdjustment: RiskAdjustment = options.riskAdjustment ?? "confidence_bounds";
  if (riskAdjustment !== "confidence_bounds" && riskAdjustment !== "none") {
    throw new BidInputError("riskAdjustment", `unknown mode ${String(riskAdjustment)}`);
  }
  const pacingOptions = options.pacing ?? {};
  const plan = pacingOptions.plan ?? { kind: "value_aware" };
  if (plan === null || typeof plan !== "object" || (plan.kind !== "value_aware" && plan.kind !== "schedule")) {
    // Schedules are an import of their own: a function on the default plan does not ship them.
    throw new BidInputError("pacing.plan", `${String((plan as { kind?: unknown } | null)?.kind)} is not value_aware: a schedule is deliverySchedule(plan), from syncvalue/bid`);
  }
  const updateInterval = requirePositive("pacing.updateIntervalMs", pacingOptions.updateIntervalMs ?? periodLength / 1440);
  const maxAheadShare = requireProbability("pacing.maxAheadShare", pacingOptions.maxAheadShare ?? 0.02);
  const coldStartMs = requireNonNegative("pacing.coldStartMs", pacingOptions.coldStartMs ?? 10 * updateInterval);
  // Cold-start windows are a tenth of the normal ones, so the first multiplier is corrected within seconds.
  const earlyInterval = updateInterval / 10;
  const minWindowWins = requireNonNegative("pacing.minWindowWins", pacingOptions.minWindowWins ?? 6);
  const fallbackFactor = requireProbability("fallback.factor", options.fallback?.factor ?? 0.5);
  const fixedPriorLtv =
    options.fallback?.ltv === undefined ? undefined : requireNonNegative("fallback.ltv", options.fallback.ltv);
  const priorAlpha = 1 / requirePositive("fallback.priorWindow", options.fallback?.priorWindow ?? 500);
  const minBidCpm = requireNonNegative("minBidCpm", options.minBidCpm ?? 0.01);
  const networkMargin = requireNonNegative("networkMarginMs", options.networkMarginMs ?? 20);
  const outcomeTimeout = requirePositive("outcomeTimeoutMs", options.outcomeTimeoutMs ?? 60_000);
  const expiredMemory = requireNonNegative("expiredMemory", options.expiredMemory ?? 1024);
  const now = options.now ?? (() => Date.now());
  const idPrefix = options.idPrefix ?? "";

  const state = options.state;
  requireStateVersion("state", state);
  // Another instance's learning: everything but its budget, bids, ids and generator.
  const warm = state === undefined ? options.warmStart : undefined;
  requireStateVersion("warmStart", warm);
  const learned = state ?? warm;
  const learnedField = state !== undefined ? "state" : "warmStart";
  const random: SeededRandom = createSeededRandom(state ? state.random : requireFinite("seed", options.seed ?? 1));
  const budgetSource = options.budgetSource;
  if (budgetSource !== undefined && (budgetSource === null || typeof budgetSource.headroom !== "function")) {
    throw new BidInputError("budgetSource", "must implement BudgetSource");
  }
  const guard = new BudgetGuard(budgetAmount, expiredMemory, state?.budget, budgetSource);
  // Measured with the dual controller only; the others correct after every interval as before.
  const holdWindows = (pacingOptions.controller ?? "dual") === "dual" && minWindowWins > 0;
  const controller = createController(pacingOptions, learned?.pacing, learnedField);
  const shadingOptions = options.shading ?? true;
  const winRate =
    shadingOptions === false
      ? undefined
      : new WinRateLandscape(
          shadingOptions === true ? {} : shadingOptions,
          learned?.winRate,
          learned?.winRateSegments,
          learned?.winRateSlope,
        );
  const calibration = new PlatformCalibration(
    { prior: options.platformMultipliers ?? {}, priorWeight: options.calibrationPriorWeight ?? 100 },
    learned?.calibration,
  );
  let sequence = state ? requireNonNegative("state.sequence", state.sequence) : 0;
  let priorLtv: number | undefined = learned?.priorLtv;
  const capOn = !legacy && controller.kind !== "none" && maxAheadShare < 1;
  // First-price bids whose outcome never came, to be learned as losses: win notices are billing and
  // arrive, loss notices often do not, and a landscape that saw only the notices would think winning
  // easier than it is. Queued by bid() and learned on the outcome path, so bid() stays cheap.
  const maxUnseenLosses = 256;
  const unseenLosses: Reservation[] = [];
  if (state?.unseenLosses !== undefined) {
    if (!Array.isArray(state.unseenLosses)) throw new BidInputError("state.unseenLosses", "must be an array of reservations");
    for (const r of state.unseenLosses.slice(0, maxUnseenLosses)) {
      requireNonNegative("state.unseenLosses.bidCpm", r?.bidCpm);
      requirePositive("state.unseenLosses.rate", r.rate);
      unseenLosses.push({ ...r });
    }
  }
  const noteExpired =
    winRate === undefined
      ? undefined
      : (r: Reservation): void => {
          if (r.auctionType === 1 && unseenLosses.length < maxUnseenLosses) unseenLosses.push(r);
        };
  /** Learns up to `max` of the queued unseen losses (two per outcome keeps up: most outcomes are notices). */
  function learnUnseenLosses(max: number): void {
    for (let i = 0; i < max && unseenLosses.length > 0; i++) {
      const r = unseenLosses.shift()!;
      winRate!.observe(r.segment, false, r.bidCpm * r.rate, undefined, 0, r.valueCpm);
    }
  }

  // The origin of the pacing target: creation, or what a restored state carries.
  let originTime: number;
  let originCommitted: number;
  let coldStartUntil: number;
  let explored: boolean;
  let sample: ExplorationSample | undefined;
  if (state?.origin !== undefined) {
    const o = state.origin;
    originTime = requireFinite("state.origin.time", o.time);
    originCommitted = requireNonNegative("state.origin.committed", o.committed);
    coldStartUntil = requireFinite("state.origin.coldStartUntil", o.coldStartUntil);
    explored = o.explored === true;
    sample = explored ? undefined : new ExplorationSample(o.sample);
  } else {
    originTime = Math.max(periodStart, requireFinite("now()", now()));
    // A version-1 state resumes with its cold start over: it was running before.
    originCommitted = state ? guard.spent + guard.reserved : 0;
    coldStartUntil = state ? originTime : originTime + coldStartMs;
    explored = state !== undefined || warm !== undefined || controller.restart === undefined || legacy;
    sample = explored ? undefined : new ExplorationSample();
  }
  const valueTarget =
    plan.kind === "value_aware"
      ? createValueAwareTarget(plan, periodStart, periodEnd, originTime, learned?.valueProfile, state !== undefined)
      : undefined;
  const target: PacingTarget = valueTarget ?? createScheduleTarget((plan as DeliverySchedule).curve, periodStart, periodLength);
  let windowStart = state ? requireFinite("state.window.start", state.window.start) : originTime;
  let windowSpend = state ? requireNonNegative("state.window.spend", state.window.spend) : 0;
  let windowRemaining = state ? requireNonNegative("state.window.remainingAtStart", state.window.remainingAtStart) : budgetAmount;
  // While a window is held open for want of planned wins, when to look again.
  let windowCheckAt = state?.window.checkAt === undefined ? 0 : requireFinite("state.window.checkAt", state.window.checkAt);
  let windowRefused = state?.window.refused === undefined ? 0 : requireNonNegative("state.window.refused", state.window.refused);
  // Decayed sums of settled cost and of the reservations behind it (about a 700-outcome half-life).
  const costShareDecay = 0.999;
  let costSpend = state?.costShare === undefined ? 0 : requireNonNegative("state.costShare.spend", state.costShare.spend);
  let costReserved =
    state?.costShare === undefined ? 0 : requireNonNegative("state.costShare.reserved", state.costShare.reserved);
  // Decayed count of wins beside costSpend: their ratio is the recent cost of a win.
  let costWins = state?.costShare?.wins === undefined ? 0 : requireNonNegative("state.costShare.wins", state.costShare.wins);
  /**
   * The refused bids of a window counted as spend: at the share of a reservation that recently
   * became spend, with the refused bids themselves weighing in as if they all had. Without that
   * prior, a bidder whose placed bids all lost (cheap ones, while the cap refused the dear ones)
   * would count its refusals as 0 and raise its multiplier to full value behind the cap.
   */
  const refusedDemand = (refused: number): number =>
    refused > 0 ? (refused * (costSpend + refused)) / (costReserved + refused) : 0;

  /** The pacing target at `t`: spend at the origin plus the target's share of the rest. */
  const targetSpend = (t: number): number =>
    originCommitted + (budgetAmount - originCommitted) * target.shareSince(originTime, t);
  /**
   * What spend plus reservations may reach at `t` during the cold start: the target plus a tolerance
   * that is whole at creation (a new bidder can buy its first impressions at once) and shrinks to 0
   * by the cold start's end, so the controller takes over with spend on target, not 2% ahead.
   */
  const allowance = (t: number): number =>
    targetSpend(t) + maxAheadShare * budgetAmount * Math.max(0, 1 - (t - originTime) / (coldStartMs > 0 ? coldStartMs : 1));


  /** Closes the pacing window(s) that have elapsed and updates the controller. */
  function advanceWindow(t: number): void {
    const cold = windowStart < coldStartUntil;
    const interval = cold ? earlyInterval : updateInterval;
    if (t < windowStart + interval || t < windowCheckAt) return;
    const intervals = Math.floor((t - windowStart) / interval);
    const end = windowStart + intervals * interval;
    const plannedSpend = windowRemaining * target.windowShare(windowStart, end);
    const plannedWinsNow = costWins > 0 && costSpend > 0 ? (plannedSpend * costWins) / costSpend : undefined;
    const plannedFraction = budgetAmount > 0 ? targetSpend(end) / budgetAmount : 1;
    const spentFraction = budgetAmount > 0 ? guard.spent / budgetAmount : 1;
    // A window planned to hold fewer than `minWindowWins` wins measures the spend rate as noise (0 or
    // 1 win against 0.3 planned): it stays open, up to `maxWindowIntervals`, until it holds enough.
    // Not in the cold start, whose short windows must correct the first multiplier fast, nor while
    // spend is more than 1% of the budget behind target (a multiplier that erred low must climb), nor
    // once the window spent more than its longest hold is planned to while spend is ahead by more than
    // `maxAheadShare`: no noise (a win is a tenth of the budget when the budget is a few dozen
    // impressions) explains that, and holding kept the multiplier where the first win found it.
    if (
      holdWindows &&
      !cold &&
      plannedWinsNow !== undefined &&
      plannedWinsNow < minWindowWins &&
      spentFraction >= plannedFraction - 0.01 &&
      (windowSpend * (end - windowStart) <= plannedSpend * maxWindowIntervals * updateInterval ||
        spentFraction <= plannedFraction + maxAheadShare) &&
      end - windowStart < maxWindowIntervals * updateInterval &&
      end < periodEnd
    ) {
      windowCheckAt = end + interval;
      return;
    }
    windowCheckAt = 0;
    // Bids the cap refused are demand the multiplier let through: count them (refusedDemand),
    // so the controller sees the overshoot.
    controller.update({
      spend: windowSpend + refusedDemand(windowRefused),
      plannedSpend,
      // The cold start's short windows take full steps: its first multiplier errs low and must climb fast.
      plannedWins: cold ? undefined : plannedWinsNow,
      spentFraction,
      plannedFraction,
      intervals: (intervals * interval) / updateInterval,
    });
    if (sample !== undefined) explore(end);
    target.closeWindow(end);
    windowStart = end;
    windowSpend = 0;
    windowRefused = 0;
    windowRemaining = guard.available();
  }

  /**
   * The first multiplier of a cold bidder: once a few auctions have been
   * seen, the largest multiplier whose bids could not have cost more than
   * the target so far; lowered to, never raised to (the controller raises).
   */
  function explore(end: number): void {
    const s = sample!;
    if (s.count >= 20) {
      const m = s.multiplierFor(targetSpend(end) - originCommitted, 1e-4);
      if (m < controller.multiplier()) controller.restart?.(m);
    } else if (end < coldStartUntil) {
      return;
    }
    explored = true;
    sample = undefined;
  }

  /**
   * Values the impression from the prediction, the FALLBACK prediction or the
   * prior LTV, writing the basis into `d`; returns the no-bid reason when
   * there is nothing to value it with.
   */
  function value(
    input: BidInput,
    status: PredictionStatusName | undefined,
    receivedAt: number,
    deadline: number,
    d: DecisionRecord,
  ): NoBidReason | undefined {
    const prediction = input.prediction;
    let heuristicReason: BidReason = "heuristic_no_prediction";
    let noBidReason: NoBidReason = "no_prediction";
    if (prediction !== undefined && prediction !== null && status !== undefined) {
      if (receivedAt > deadline) {
        heuristicReason = "heuristic_late_prediction";
        noBidReason = "late_prediction";
      } else if (status === "SUCCESS" || status === "FALLBACK") {
        const ltv = riskAdjustedLtv(prediction, riskAdjustment);
        d.predictedLtv = prediction.predictedLtv;
        d.confidence = prediction.confidence;
        d.riskAdjustedLtv = ltv;
        if (status === "SUCCESS") {
          priorLtv = priorLtv === undefined ? ltv : priorLtv + priorAlpha * (ltv - priorLtv);
          d.source = "AI_PREDICTION";
          d.reason = "ai_prediction";
        } else {
          d.source = "HEURISTIC_FALLBACK";
          d.reason = "fallback_prediction";
          d.fallbackFactor = fallbackFactor;
        }
        return undefined;
      } else {
        heuristicReason = "heuristic_failed_prediction";
        noBidReason = "prediction_failed";
      }
    }
    const prior = fixedPriorLtv ?? priorLtv;
    // The legacy rule never had a heuristic: without a prediction it did not bid.
    if (prior === undefined || legacy) return noBidReason;
    d.predictedLtv = prior;
    d.riskAdjustedLtv = prior;
    d.source = "HEURISTIC_FALLBACK";
    d.reason = heuristicReason;
    d.fallbackFactor = fallbackFactor;
    return undefined;
  }

  function refuse(d: DecisionRecord, reason: NoBidReason): NoBid {
    d.noBid = true;
    d.bidCpm = 0;
    d.reason = reason;
    d.budgetSpent = guard.spent;
    d.budgetReserved = guard.reserved;
    return d as unknown as NoBid;
  }

  function bid(input: BidInput): BidDecision {
    if (input === undefined || input === null || typeof input !== "object") throw new BidInputError("input", "is required");
    const t = requireFinite("now()", now());
    const conversionRate = requireProbability("conversionRate", input.conversionRate);
    const margin = input.margin === undefined ? defaultMargin : requirePositive("margin", input.margin);
    const auction = normaliseAuction(input.auction, t);
    if (input.platform !== undefined && typeof input.platform !== "string") {
      throw new BidInputError("platform", "must be a string");
    }
    if (input.impressionId !== undefined && (typeof input.impressionId !== "string" || input.impressionId.length === 0)) {
      throw new BidInputError("impressionId", "must be a non-empty string");
    }
    // Validate everything before touching state, so a throw leaves the bidder as it was.
    let status: PredictionStatusName | undefined;
    if (input.prediction !== undefined && input.prediction !== null) {
      validatePrediction(input.prediction);
      status = predictionStatusName(input.prediction.status);
    }
    const receivedAt =
      input.predictionReceivedAt === undefined ? t : requireFinite("predictionReceivedAt", input.predictionReceivedAt);

    guard.expire(t, noteExpired);
    advanceWindow(t);

    const d = new DecisionRecord();
    d.impressionId = input.impressionId;
    d.currency = auction.currency;
    d.floorCpm = auction.floorCpm;
    d.auctionType = auction.at;
    d.strategy = strategy.kind;
    d.conversionRate = conversionRate;
    d.margin = margin;
    d.budgetTotal = budgetAmount;
    d.decidedAt = t;
    d.pacingMultiplier = legacy ? 1 : controller.multiplier();

    if (t < periodStart || t >= periodEnd) return refuse(d, "outside_period");
    if (auction.tmax !== undefined && t > auction.startedAt + auction.tmax) return refuse(d, "deadline_exceeded");
    const rate = rates[auction.currency];
    if (rate === undefined) return refuse(d, "currency_unsupported");
    // The exchange's floor, or our own minimum bid when that is higher.
    const floorBidderCpm = Math.max(auction.floorCpm * rate, minBidCpm);
    if (guard.available() <= 0 || !guard.canCover(floorBidderCpm / 1000)) return refuse(d, guard.refusal());

    const deadline = decisionDeadline(auction.startedAt, auction.tmax, networkMargin);
    const missing = value(input, status, receivedAt, deadline, d);
    if (missing !== undefined) return refuse(d, missing);
    const multiplier = calibration.multiplier(input.platform);
    d.platformMultiplier = multiplier;
    let willingCpm: number;
    if (legacy) {
      // The original rule: a share of the customer's LTV, as CPM (not a value per impression).
      d.baseValue = conversionRate * d.predictedLtv * margin;
      d.valueCpm = legacyShare * d.predictedLtv * multiplier * d.fallbackFactor;
      willingCpm = d.valueCpm;
    } else {
      d.baseValue = impressionValue(conversionRate, d.riskAdjustedLtv, margin, 1);
      const v = d.baseValue * multiplier;
      d.valueCpm = toCpm(v);
      willingCpm = toCpm(strategyWillingness(strategy, v, conversionRate, multiplier)) * d.fallbackFactor;
    }
    if (!(willingCpm > 0)) return refuse(d, "zero_value");
    if (!legacy) target.observe(t, willingCpm / 1000);
    if (sample !== undefined) sample.add(willingCpm, floorBidderCpm);
    if (!legacy && !controller.participate(random)) return refuse(d, "throttled");
    const pacedCpm = willingCpm * d.pacingMultiplier;
    d.pacedCpm = pacedCpm;
    if (pacedCpm < floorBidderCpm) return refuse(d, "below_floor");

    let bidBidderCpm = pacedCpm;
    const segment = auction.at === 1 ? winRate?.keyOf(d.valueCpm, auction.floorCpm * rate, input.platform) : undefined;
    if (!legacy && auction.at === 1 && winRate !== undefined && winRate.isReady()) {
      const best = winRate.bestBid(pacedCpm, floorBidderCpm, segment, d.valueCpm);
      if (best !== undefined && best < pacedCpm) {
        bidBidderCpm = Math.max(best, floorBidderCpm);
        d.shaded = true;
      }
    }
    const floorCpm = floorBidderCpm / rate;
    let bidCpm = bidBidderCpm / rate;
    if (bidCpm < floorCpm) bidCpm = floorCpm; // rounding through the rate

    let cost = (bidCpm / 1000) * rate;
    if (!guard.canCover(cost)) {
      // Lower the bid to what is left rather than give up the last of the budget.
      bidCpm = ((guard.available() * 1000) / rate) * (1 - 1e-12);
      cost = (bidCpm / 1000) * rate;
      if (bidCpm < floorCpm || bidCpm <= 0 || !guard.canCover(cost)) return refuse(d, guard.refusal());
      d.cappedByBudget = true;
    }
    if (capOn && t < coldStartUntil && guard.spent + guard.reserved + cost > allowance(t)) {
      windowRefused += cost;
      return refuse(d, "ahead_of_target");
    }

    const decisionId = idPrefix + String(sequence++);
    guard.reserve(decisionId, {
      cost,
      expiresAt: t + outcomeTimeout,
      bidCpm,
      rate,
      auctionType: auction.at,
      segment,
      floorCpm: auction.at === 1 ? floorCpm : undefined,
      valueCpm: auction.at === 1 ? d.valueCpm : undefined,
    });
    d.decisionId = decisionId;
    d.bidCpm = bidCpm;
    d.budgetSpent = guard.spent;
    d.budgetReserved = guard.reserved;
    return d as unknown as PlacedBid;
  }

  function recordOutcome(outcome: OutcomeInput): OutcomeResult {
    if (outcome === undefined || outcome === null || typeof outcome !== "object") {
      throw new BidInputError("outcome", "is required");
    }
    if (typeof outcome.decisionId !== "string") throw new BidInputError("decisionId", "must be a string");
    if (typeof outcome.won !== "boolean") throw new BidInputError("won", "must be a boolean");
    const price = outcome.priceCpm === undefined ? undefined : requireNonNegative("priceCpm", outcome.priceCpm);
    const minToWin =
      outcome.minBidToWinCpm === undefined ? undefined : requireNonNegative("minBidToWinCpm", outcome.minBidToWinCpm);
    const booked = guard.peek(outcome.decisionId);
    let charged = price;
    if (outcome.won && booked !== undefined && booked.auctionType === 2 && price === undefined) {
      // A second-price win costs the clearing price, which is the minimum bid to win.
      if (minToWin === undefined) {
        throw new BidInputError("priceCpm", "is required for a second-price win (or minBidToWinCpm, the same price)");
      }
      charged = minToWin;
    }
    const result = guard.settle(outcome.decisionId, outcome.won, charged);
    if (!result.applied) return { applied: false, reason: "unknown_decision", spend: 0 };
    windowSpend += result.cost;
    const r = result.reservation;
    costSpend = costSpend * costShareDecay + result.cost;
    costReserved = costReserved * costShareDecay + r.cost;
    costWins = costWins * costShareDecay + (result.won ? 1 : 0);
    if (winRate !== undefined && r.auctionType === 1) {
      winRate.observe(
        r.segment,
        outcome.won,
        r.bidCpm * r.rate,
        minToWin === undefined ? undefined : minToWin * r.rate,
        (r.floorCpm ?? 0) * r.rate,
        r.valueCpm,
      );
    }
    if (unseenLosses.length > 0) learnUnseenLosses(2);
    const reason = result.late
      ? outcome.won
        ? "late_win_settled"
        : "late_loss"
      : outcome.won
        ? "win_settled"
        : "loss_released";
    return { applied: true, reason, spend: result.cost };
  }

  return {
    bid,
    recordOutcome,
    recordReturn(input: ReturnInput): void {
      if (input === undefined || input === null || typeof input.platform !== "string") {
        throw new BidInputError("platform", "must be a string");
      }
      calibration.observe(input.platform, input.predictedValue, input.realisedValue);
    },
    expirePending(): number {
      const n = guard.expire(now(), noteExpired);
      if (unseenLosses.length > 0) learnUnseenLosses(unseenLosses.length);
      return n;
    },
    decisionDeadline(auction: AuctionInput): number {
      const a = normaliseAuction(auction, now());
      return decisionDeadline(a.startedAt, a.tmax, networkMargin);
    },
    platformMultiplier: (platform) => calibration.multiplier(platform),
    snapshot(): BidderSnapshot {
      const t = now();
      const targetNow = targetSpend(t);
      return {
        budgetTotal: budgetAmount,
        spent: guard.spent,
        reserved: guard.reserved,
        pendingCount: guard.pendingCount,
        available: guard.available(),
        pacing: controller.toJSON(),
        pacingMultiplier: controller.multiplier(),
        plannedFraction: budgetAmount > 0 ? targetNow / budgetAmount : 1,
        targetSpend: targetNow,
        spendAllowance: allowance(t),
        coldStart: t < coldStartUntil,
        winRateObservations: winRate?.observationCount() ?? 0,
        priorLtv: fixedPriorLtv ?? priorLtv,
      };
    },
    toJSON(): BidderState {
      return {
        version: bidderStateVersion,
        sequence,
        random: random.getState(),
        budget: guard.toJSON(),
        pacing: controller.toJSON(),
        window: {
          start: windowStart,
          spend: windowSpend,
          remainingAtStart: windowRemaining,
          refused: windowRefused,
          checkAt: windowCheckAt,
        },
        origin: {
          time: originTime,
          committed: originCommitted,
          coldStartUntil,
          explored,
          sample: sample?.toJSON(),
        },
        costShare: { spend: costSpend, reserved: costReserved, wins: costWins },
        valueProfile: valueTarget?.toJSON(),
        winRate: winRate?.pooledState(),
        winRateSegments: winRate?.segmentsState(),
        winRateSlope: winRate?.slopeState(),
        unseenLosses: unseenLosses.map((r) => ({ ...r })),
        priorLtv,
        calibration: calibration.toJSON(),
      };
    },
  };
}

function requireStateVersion(field: string, state: BidderState | undefined): void {
  if (state === undefined) return;
  if (state === null || typeof state !== "object" || (state.version !== 1 && state.version !== bidderStateVersion)) {
    throw new BidInputError(`${field}.version`, `must be 1 or ${bidderStateVersion}`);
  }
}

function createController(
  options: NonNullable<BidderOptions["pacing"]>,
  state: PacingControllerState | undefined,
  field: string,
): PacingController {
  const choice: unknown = options.controller ?? "dual";
  const factory = typeof choice === "object" && choice !== null && typeof (choice as { create?: unknown }).create === "function"
    ? (choice as PacingControllerFactory)
    : undefined;
  const kind = factory ? factory.kind : choice;
  if (state !== undefined && state.kind !== kind) {
    throw new BidInputError(`${field}.pacing.kind`, `is ${state.kind} but pacing.controller is ${String(kind)}`);
  }
  if (factory) return factory.create(options, state);
  switch (kind) {
    case "dual":
      return createDualPacingController(options.dual, state?.kind === "dual" ? state.mu : undefined);
    case "none":
      return createNoPacingController();
    case "pi":
    case "throttle":
      // Imports of their own: a function on the default controller does not ship them.
      throw new BidInputError("pacing.controller", `"${kind}" is an import of its own: pass ${kind === "pi" ? "piPacing" : "throttlingPacing"} from syncvalue/bid`);
    default:
      throw new BidInputError("pacing.controller", `unknown controller ${String(kind)}`);
  }
}
