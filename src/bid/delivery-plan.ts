import { BidInputError, requireNonNegative, requireFinite } from "./bid-input-error.js";
import type { ValueAwarePlan } from "./value-aware-target.js";

/**
 * How the budget should be spread over its period.
 *
 * - `value_aware` (default): no fixed curve; spend follows the value on offer,
 *   learned by hour of day (see {@link ValueAwarePlan}). Pick it unless a
 *   schedule is imposed on you.
 *
 * The others are schedules: a target cumulative spend fraction `f(x)` for the
 * elapsed fraction `x` of the period (`f(0) = 0`, `f(1) = 1`,
 * non-decreasing). Pick one when spend must follow a contract or a media
 * plan whatever the traffic:
 *
 * - `even`: `f(x) = x`.
 * - `asap`: as fast as possible, `f(x) = 1` for `x > 0`: pacing never holds
 *   back, only the budget guard stops spend.
 * - `ahead`: ahead of even by `factor` (>= 1): `f(x) = min(1, factor x x)`,
 *   so the budget is planned to be spent by `1/factor` of the period.
 * - `traffic_shaped`: follows a curve of non-negative weights, one per equal
 *   slice of the period (24 hourly weights for a day starting at midnight);
 *   linear within a slice.
 */
export type DeliveryPlan =
  | ValueAwarePlan
  | { kind: "even" }
  | { kind: "asap" }
  | { kind: "ahead"; /** Required, >= 1. */ factor: number }
  | { kind: "traffic_shaped"; /** Required, at least one weight, all >= 0, sum > 0. */ hourlyWeights: readonly number[] };

/** A compiled plan: the target cumulative spend fraction at elapsed fraction `x` of the period. */
export type DeliveryCurve = (x: number) => number;

/**
 * Validates and compiles a schedule; throws a {@link BidInputError} naming the
 * field. A `value_aware` plan has no fixed curve: it compiles to `even`, the
 * shape it follows while the value on offer is flat.
 */
export function compileDeliveryPlan(plan: DeliveryPlan): DeliveryCurve {
  switch (plan.kind) {
    case "value_aware":
    case "even":
      return (x) => clamp01(x);
    case "asap":
      return (x) => (x > 0 ? 1 : 0);
    case "ahead": {
      const factor = requireFinite("pacing.plan.factor", plan.factor);
      if (factor < 1) throw new BidInputError("pacing.plan.factor", `must be >= 1, got ${factor}`);
      return (x) => clamp01(factor * clamp01(x));
    }
    case "traffic_shaped": {
      const w = requireHourlyWeights(plan.hourlyWeights);
      const cumulative = new Float64Array(w.length + 1);
      for (let i = 0; i < w.length; i++) cumulative[i + 1] = cumulative[i]! + w[i]!;
      const total = cumulative[w.length]!;
      const n = w.length;
      return (x) => {
        const pos = clamp01(x) * n;
        const i = Math.min(n - 1, Math.floor(pos));
        return (cumulative[i]! + (pos - i) * (cumulative[i + 1]! - cumulative[i]!)) / total;
      };
    }
    default:
      throw new BidInputError("pacing.plan.kind", `unknown plan ${String((plan as { kind: unknown }).kind)}`);
  }
}

/**
 * Validates a plan's `hourlyWeights` (all >= 0, a positive sum; exactly
 * `count` of them when given, else at least one) and returns them.
 */
export function requireHourlyWeights(w: unknown, count?: number): Float64Array {
  const field = "pacing.plan.hourlyWeights";
  if (!Array.isArray(w) || (count === undefined ? w.length === 0 : w.length !== count)) {
    throw new BidInputError(field, count === undefined ? "must be a non-empty array" : `must hold ${count} weights`);
  }
  const weights = new Float64Array(w.length);
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += weights[i] = requireNonNegative(`${field}[${i}]`, w[i]);
  if (sum <= 0) throw new BidInputError(field, "must have a positive sum");
  return weights;
}

function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/** A delivery plan that is a fixed schedule: every kind but `value_aware`. */
export type SchedulePlan = Exclude<DeliveryPlan, ValueAwarePlan>;

/**
 * A schedule for `pacing.plan`, validated and compiled by
 * {@link deliverySchedule}.
 *
 * @public
 */
export interface DeliverySchedule {
  /** Tells a compiled schedule from a value-aware plan. */
  readonly kind: "schedule";
  /** The plan it was compiled from. */
  readonly plan: SchedulePlan;
  /** The target cumulative spend fraction at elapsed fraction `x` of the period. */
  readonly curve: DeliveryCurve;
}

/**
 * `pacing.plan: deliverySchedule({ kind: "even" })`: a fixed schedule
 * (`even`, `asap`, `ahead`, `traffic_shaped`) for a bidder whose spend must
 * follow one whatever the traffic. An import of its own, so a function on the
 * default value-aware plan does not ship the schedules. Validates the plan
 * (a {@link BidInputError} naming `pacing.plan.*`).
 *
 * @public
 */
export function deliverySchedule(plan: SchedulePlan): DeliverySchedule {
  if ((plan as { kind?: unknown } | null)?.kind === "value_aware") {
    throw new BidInputError("pacing.plan.kind", "value_aware is not a schedule: pass the plan itself");
  }
  return { kind: "schedule", plan, curve: compileDeliveryPlan(plan) };
}

