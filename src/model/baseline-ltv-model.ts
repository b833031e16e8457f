import { create } from "@bufbuild/protobuf";
import {
  LTVPredictionResponseSchema,
  PredictionStatus,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import { toPlatform, type Platform } from "./platforms.js";

/**
 * `model_version` of every response of {@link predictBaselineLtv}.
 *
 * @public
 */
export const BASELINE_MODEL_VERSION = "baseline-rfm-1";

/**
 * Platform multipliers of the baseline model. They are documented priors, not
 * fitted values: audiences reached on business networks (LinkedIn) and in a
 * shopping context (Amazon) tend to spend more, short-form social audiences
 * (TikTok, X) less. An unknown platform gets 1.0.
 *
 * @public
 */
export const BASELINE_PLATFORM_MULTIPLIERS: Readonly<Record<Platform, number>> = Object.freeze({
  google_ads: 1.0,
  meta: 0.95,
  tiktok: 0.8,
  linkedin: 1.3,
  amazon: 1.15,
  tradedesk: 1.05,
  x: 0.85,
});

const DAY_MS = 86_400_000;
/** The LTV is the value expected over the next year. */
const HORIZON_DAYS = 365;
/** Gamma prior on the purchase rate: one purchase seen over 180 days. */
const PRIOR_PURCHASES = 1;
const PRIOR_DAYS = 180;
/** Prior order value, weighted as one pseudo-purchase. */
const PRIOR_ORDER_VALUE = 50;
const PRIOR_ORDER_WEIGHT = 1;
/** Retention decays as exp(-recency / 90 days). */
const RETENTION_DAYS = 90;
/** Log-scale spread: a floor for model error, plus a part that shrinks with purchases. */
const SIGMA_FLOOR = 0.25;
const SIGMA_PRIOR = 0.9;
/** Two-sided 95% quantile of the standard normal distribution. */
const Z_95 = 1.959963984540054;
/** Confidence runs from 0.05 (no history) towards 0.95; half way at 5 effective events. */
const CONFIDENCE_MIN = 0.05;
const CONFIDENCE_SPAN = 0.9;
const CONFIDENCE_HALF_EVENTS = 5;
/** A click, view or cart event counts as a quarter of a purchase for confidence. */
const NON_PURCHASE_WEIGHT = 0.25;

/**
 * The baseline LTV model: a deterministic recency-frequency-monetary (RFM)
 * estimate computed from `event_history`. Pure, tiny and edge-safe, so the
 * client can also run it as its local fallback.
 *
 * Inputs (events whose `event_type` is `purchase`, case-insensitive, are
 * purchases; a purchase value that is negative or not finite counts as 0):
 * - `ref`: `request.timestampMs`, or the newest event's timestamp when it is 0
 *   (never the wall clock, so the same request always gives the same answer).
 * - `F`: number of purchases; `S`: sum of their values.
 * - `T`: tenure in days, from the oldest event to `ref` (at least 0).
 * - `R`: recency in days, from the newest purchase (or the newest event when
 *   there is no purchase) to `ref` (at least 0).
 * - `m`: the platform multiplier ({@link BASELINE_PLATFORM_MULTIPLIERS}; 1.0 when unknown).
 *
 * Estimate (the median of the predictive distribution):
 * ```
 * purchases_per_year = (F + 1) / (T + 180) * 365      // Gamma-Poisson posterior mean rate
 * order_value        = (S + 50 * 1) / (F + 1)         // mean value shrunk towards 50
 * retention          = exp(-R / 90)
 * predicted_ltv      = order_value * purchases_per_year * retention * m
 * ```
 * An empty history gives the prior `50 * 365 / 180 * m` (about 101.4 * m) with
 * status `INSUFFICIENT_DATA`; otherwise the status is `SUCCESS`.
 *
 * Interval: the LTV is taken as log-normal around the estimate with
 * `sigma = sqrt(0.25^2 + (0.9^2 + cv^2) / (1 + F))`, where `cv` is the
 * coefficient of variation of the purchase values (0 for fewer than two), so
 * the bounds `predicted_ltv * exp(-/+ 1.96 * sigma)` are that distribution's
 * central 95% interval, and narrow as purchases accumulate.
 *
 * Confidence: `0.05 + 0.9 * n / (n + 5)` with `n = F + 0.25 * (other events)`;
 * it grows with every event added to the history.
 *
 * Top features: `frequency` (F), `monetary` (mean purchase value),
 * `recency_days` (R) and `platform_multiplier` (m), each with an importance
 * equal to its share of the absolute log-contributions to the estimate
 * relative to the prior (ln of rate ratio, value ratio, retention and m),
 * sorted by importance. `current_cac`, `features` and `metadata` are not used.
 *
 * The response copies `request_id`, sets `model_version` to
 * {@link BASELINE_MODEL_VERSION}, and leaves `timestamp_ms` and
 * `inference_time_us` at 0 for the caller (the server) to fill.
 *
 * @public
 */
export function predictBaselineLtv(request: LTVPredictionRequest): LTVPredictionResponse {
  const events = request.eventHistory;
  let ref = Number(request.timestampMs);
  let first = Infinity;
  let newestEvent = -Infinity;
  let newestPurchase = -Infinity;
  let purchases = 0;
  let sum = 0;
  let sumSquares = 0;
  for (const event of events) {
    const ts = Number(event.timestampMs);
    if (ts < first) first = ts;
    if (ts > newestEvent) newestEvent = ts;
    if (event.eventType.toLowerCase() !== "purchase") continue;
    purchases++;
    if (ts > newestPurchase) newestPurchase = ts;
    const value = Number.isFinite(event.eventValue) && event.eventValue > 0 ? event.eventValue : 0;
    sum += value;
    sumSquares += value * value;
  }
  if (ref === 0 && events.length > 0) ref = newestEvent;

  const tenureDays = events.length > 0 ? Math.max(0, (ref - first) / DAY_MS) : 0;
  const lastActive = purchases > 0 ? newestPurchase : newestEvent;
  const recencyDays = events.length > 0 ? Math.max(0, (ref - lastActive) / DAY_MS) : 0;
  const multiplier = platformMultiplier(request.platform);

  const purchasesPerYear = ((purchases + PRIOR_PURCHASES) / (tenureDays + PRIOR_DAYS)) * HORIZON_DAYS;
  const orderValue = (sum + PRIOR_ORDER_VALUE * PRIOR_ORDER_WEIGHT) / (purchases + PRIOR_ORDER_WEIGHT);
  const retention = Math.exp(-recencyDays / RETENTION_DAYS);
  const predictedLtv = orderValue * purchasesPerYear * retention * multiplier;

  const mean = purchases > 0 ? sum / purchases : 0;
  const variance = purchases > 1 ? Math.max(0, sumSquares / purchases - mean * mean) : 0;
  const cv = mean > 0 ? Math.sqrt(variance) / mean : 0;
  const sigma = Math.sqrt(SIGMA_FLOOR ** 2 + (SIGMA_PRIOR ** 2 + cv * cv) / (1 + purchases));

  const effectiveEvents = purchases + NON_PURCHASE_WEIGHT * (events.length - purchases);
  const confidence = CONFIDENCE_MIN + (CONFIDENCE_SPAN * effectiveEvents) / (effectiveEvents + CONFIDENCE_HALF_EVENTS);

  const priorPerYear = (PRIOR_PURCHASES / PRIOR_DAYS) * HORIZON_DAYS;
  const contributions: Array<[name: string, logContribution: number, value: number]> = [
    ["frequency", Math.log(purchasesPerYear / priorPerYear), purchases],
    ["monetary", Math.log(orderValue / PRIOR_ORDER_VALUE), mean],
    ["recency_days", -recencyDays / RETENTION_DAYS, recencyDays],
    ["platform_multiplier", Math.log(multiplier), multiplier],
  ];
  const total = contributions.reduce((acc, [, c]) => acc + Math.abs(c), 0);
  const topFeatures = contributions
    .map(([name, c, value]) => ({
      name,
      importance: total > 0 ? Math.abs(c) / total : 1 / contributions.length,
      value,
    }))
    .sort((a, b) => b.importance - a.importance); // stable: ties keep the documented order

  return create(LTVPredictionResponseSchema, {
    requestId: request.requestId,
    predictedLtv,
    confidence,
    ltvLowerBound: predictedLtv * Math.exp(-Z_95 * sigma),
    ltvUpperBound: predictedLtv * Math.exp(Z_95 * sigma),
    modelVersion: BASELINE_MODEL_VERSION,
    topFeatures,
    status: events.length === 0 ? PredictionStatus.INSUFFICIENT_DATA : PredictionStatus.SUCCESS,
  });
}

function platformMultiplier(name: string): number {
  const platform = toPlatform(name);
  return platform === undefined ? 1.0 : BASELINE_PLATFORM_MULTIPLIERS[platform];
}
