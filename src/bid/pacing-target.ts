import type { DeliveryCurve } from "./delivery-plan.js";

/**
 * Where spend should be, as the bidder's pacing sees it. Two answers are
 * needed: the share of the remaining budget a closed window should have used
 * (what the controller is corrected against), and the cumulative share of
 * the budget that should be spent by a moment, counted from the bidder's
 * origin (what the spend-rate cap holds spend to).
 */
export interface PacingTarget {
  /**
   * Records value on offer at `t`: the full willingness to pay for one
   * impression, bidder currency. Schedules ignore it.
   */
  observe(t: number, value: number): void;
  /** Share of the budget remaining at `from` that the window [from, to) should have spent, 0..1. */
  windowShare(from: number, to: number): number;
  /** Share of the budget remaining at `origin` that should be spent by `t`, 0..1. */
  shareSince(origin: number, t: number): number;
  /** Called at each window end, after `windowShare`; lets a learned target refresh its caches. */
  closeWindow(t: number): void;
}

/** A fixed schedule (a delivery plan's curve over the period): the remaining budget re-spread over what is left of the plan. */
export function createScheduleTarget(curve: DeliveryCurve, periodStart: number, periodLength: number): PacingTarget {
  const f = (t: number): number => curve((t - periodStart) / periodLength);
  const share = (from: number, to: number): number => {
    const f0 = f(from);
    if (f0 >= 1) return 1;
    const s = (f(to) - f0) / (1 - f0);
    return s < 0 ? 0 : s > 1 ? 1 : s;
  };
  return {
    observe: () => {},
    windowShare: share,
    shareSince: share,
    closeWindow: () => {},
  };
}
