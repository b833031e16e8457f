import { BidInputError, requirePositive } from "./bid-input-error.js";

/**
 * How a bidder turns the expected value of an impression into the value it is
 * willing to pay (before pacing, shading and the floor).
 *
 * - `max_value` (default): pay up to the impression's expected value; pacing
 *   then scales bids down so the budget buys the most value.
 * - `target_roas`: pay value / `targetRoas` (e.g. 4 means "every 1 spent must
 *   return 4 of value").
 * - `target_cpa`: pay P(conversion) x `targetCpa`; the LTV prediction is used
 *   only for the decision's explanation and reporting.
 * - `legacy_ltv_share`: the original rule, "bid 30% of predicted LTV": the CPM
 *   is `share` x predicted LTV (times the platform multiplier), ignoring the
 *   conversion rate, the risk and pacing. Unit-incorrect on purpose; kept only
 *   for comparison. The floor and the budget guard still apply.
 */
export type BidStrategy =
  | { kind: "max_value" }
  | { kind: "target_roas"; /** Required, > 0. */ targetRoas: number }
  | { kind: "target_cpa"; /** Required, > 0, in the bidder's currency. */ targetCpa: number }
  | { kind: "legacy_ltv_share"; /** Share of predicted LTV bid as CPM. Default 0.3. */ share?: number };

/** The legacy rule's default share of predicted LTV. */
export const legacyLtvShareDefault = 0.3;

/** Validates a strategy; throws a {@link BidInputError} naming the field. */
export function validateStrategy(strategy: BidStrategy): void {
  switch (strategy.kind) {
    case "max_value":
      return;
    case "target_roas":
      requirePositive("strategy.targetRoas", strategy.targetRoas);
      return;
    case "target_cpa":
      requirePositive("strategy.targetCpa", strategy.targetCpa);
      return;
    case "legacy_ltv_share":
      if (strategy.share !== undefined) requirePositive("strategy.share", strategy.share);
      return;
    default:
      throw new BidInputError("strategy.kind", `unknown strategy ${String((strategy as { kind: unknown }).kind)}`);
  }
}

/**
 * The value, per impression, a strategy is willing to pay.
 *
 * @param value - the risk-adjusted expected value of the impression (p x LTV x margin x multiplier)
 * @param conversionRate - P(conversion | impression)
 * @param platformMultiplier - the platform's calibration factor
 */
export function strategyWillingness(
  strategy: BidStrategy,
  value: number,
  conversionRate: number,
  platformMultiplier: number,
): number {
  switch (strategy.kind) {
    case "max_value":
      return value;
    case "target_roas":
      return value / strategy.targetRoas;
    case "target_cpa":
      return conversionRate * strategy.targetCpa * platformMultiplier;
    case "legacy_ltv_share":
      // Not used: the legacy rule bypasses the value model (see the bidder).
      return value;
  }
}
