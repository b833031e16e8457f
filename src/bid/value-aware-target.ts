import { BidInputError, requireFinite, requireNonNegative, requirePositive } from "./bid-input-error.js";
import { requireHourlyWeights } from "./delivery-plan.js";
import type { PacingTarget } from "./pacing-target.js";

const hourMs = 3_600_000;
/** Time constant of the recent value rate compared with the learned one (the surge detector), ms. */
const recentMs = 30 * 60_000;
/** How long a departure from the learned profile is expected to last (its weight halves in 0.7 of it), ms. */
const persistMs = 2 * hourMs;
/** Bounds of the recent-to-learned ratio believed: a surge of at most 4x, a dip to a quarter. */
const minRatio = 0.25;
const maxRatio = 4;

/**
 * Value-aware pacing (the default plan): spend follows the value on offer, not
 * the clock. The budget left is shared between the time behind and the time
 * ahead in proportion to the value seen and the value expected, so a surge
 * gets budget as it happens and quiet hours little.
 */
export interface ValueAwarePlan {
  kind: "value_aware";
  /**
   * Prior shape of the value on offer by hour of day (24 non-negative
   * weights, hour 0 first, UTC hours of the `now()` clock), used for hours
   * the bidder has not learned yet. Default: flat.
   */
  hourlyWeights?: readonly number[];
  /** Days after which a day's observation of an hour weighs half as much. Default 3. */
  halfLifeDays?: number;
}

/** Serialisable state of the value-aware target: the learned profile and the day's running sums. */
export interface ValueProfileState {
  /** Learned value on offer per ms, by hour of day (UTC hour 0 first). */
  rate: number[];
  /** Decayed number of days behind each hour's rate (0: not learned). */
  days: number[];
  /** Absolute hour (ms / 3 600 000) being accumulated, its value so far, and since when it was observed. */
  hour: number;
  hourValue: number;
  hourFrom: number;
  /** Value seen since the target was created, and when that was. */
  seen: number;
  seenFrom: number;
  /** Value seen in the current pacing window. */
  windowValue: number;
  /**
   * The surge detector (absent before this release): decayed value seen and
   * value the learned profile expected over the same windows, and the end of
   * the last window folded in.
   */
  recent?: { seen: number; expected: number; at: number };
}

function hourOfDay(absoluteHour: number): number {
  return ((absoluteHour % 24) + 24) % 24;
}

/** Validates a value-aware plan's prior; returns 24 weights. */
export function valueAwarePrior(plan: ValueAwarePlan): Float64Array {
  return plan.hourlyWeights === undefined ? new Float64Array(24).fill(1) : requireHourlyWeights(plan.hourlyWeights, 24);
}

/**
 * The value-aware pacing target. Value on offer is the full willingness to
 * pay of every auction the bidder valued. Hours of day are learned online
 * (the hour's value per ms, averaged across days with a half-life); an hour
 * not learned yet is expected to follow the prior shape, scaled to the value
 * actually seen so far. The expected value from `t` to the period's end is
 * cached at hour changes, so `shareSince` is O(1) per bid.
 *
 * A surge or a dip is expected to last a while: when the value of the recent
 * windows (about half an hour) departs from what the learned profile
 * expected for them, the learned hours ahead are expected to depart by the
 * same ratio, fading over a couple of hours. Without it a surge looked like a
 * one-off windfall, each of its windows was given a share of the budget as if
 * the rest of the day were ordinary, and the surge took the budget of the
 * evening after it.
 */
export function createValueAwareTarget(
  plan: ValueAwarePlan,
  periodStart: number,
  periodEnd: number,
  createdAt: number,
  state: ValueProfileState | undefined,
  resume: boolean,
): PacingTarget & { toJSON(): ValueProfileState } {
  const prior = valueAwarePrior(plan);
  const dayDecay = Math.pow(2, -1 / requirePositive("pacing.plan.halfLifeDays", plan.halfLifeDays ?? 3));
  const rate = new Float64Array(24);
  const days = new Float64Array(24);
  if (state !== undefined) {
    if (!Array.isArray(state.rate) || state.rate.length !== 24 || !Array.isArray(state.days) || state.days.length !== 24) {
      throw new BidInputError("state.valueProfile", "must hold 24 rates and 24 day counts");
    }
    for (let i = 0; i < 24; i++) {
      rate[i] = requireNonNegative("state.valueProfile.rate", state.rate[i]);
      days[i] = requireNonNegative("state.valueProfile.days", state.days[i]);
    }
  }
  // A restored bidder resumes the day's sums; a warm-started one only takes the learned profile.
  const day = resume && state !== undefined;
  let hour = day ? requireFinite("state.valueProfile.hour", state.hour) : Math.floor(createdAt / hourMs);
  let hourValue = day ? requireNonNegative("state.valueProfile.hourValue", state.hourValue) : 0;
  let hourFrom = day ? requireFinite("state.valueProfile.hourFrom", state.hourFrom) : createdAt;
  let seen = day ? requireNonNegative("state.valueProfile.seen", state.seen) : 0;
  const seenFrom = day ? requireFinite("state.valueProfile.seenFrom", state.seenFrom) : createdAt;
  let windowValue = day ? requireNonNegative("state.valueProfile.windowValue", state.windowValue) : 0;
  const recent = day ? state.recent : undefined;
  let recentSeen = recent === undefined ? 0 : requireNonNegative("state.valueProfile.recent.seen", recent.seen);
  let recentExpected = recent === undefined ? 0 : requireNonNegative("state.valueProfile.recent.expected", recent.expected);
  let recentAt = recent === undefined ? createdAt : requireFinite("state.valueProfile.recent.at", recent.at);
  let ratio = 1;
  const fitRatio = (): void => {
    // Until the learned profile has expected a few windows' worth, the ratio stays 1.
    const r = recentExpected > 0 && recentSeen + recentExpected > 0 ? recentSeen / recentExpected : 1;
    ratio = recentExpected > 0 ? (r < minRatio ? minRatio : r > maxRatio ? maxRatio : r) : 1;
  };
  fitRatio();

  // Caches, refreshed at hour changes: the learned value expected after the
  // current hour, the prior mass of the unlearned hours after it, and the prior mass elapsed.
  let cachedHour = Number.NaN;
  let cachedAt = 0;
  let learnedSuffix = 0;
  // The learned value after the current hour, each hour weighted by how much of a departure
  // from the profile is still expected then (exp(-(hour's middle - cachedAt) / persistMs)).
  let fadingSuffix = 0;
  let priorSuffix = 0;
  let currentLearned = 0;
  let currentPrior = 0;
  let elapsedPriorAt = 0;
  let priorNow = 0;

  /** Prior mass (weight x ms) over [a, b). */
  function priorMass(a: number, b: number): number {
    let m = 0;
    for (let h = Math.floor(a / hourMs); h * hourMs < b; h++) {
      const from = Math.max(a, h * hourMs);
      const to = Math.min(b, (h + 1) * hourMs);
      if (to > from) m += prior[hourOfDay(h)]! * (to - from);
    }
    return m;
  }

  function refresh(t: number): void {
    const h0 = Math.floor(t / hourMs);
    const k0 = hourOfDay(h0);
    currentLearned = days[k0]! > 0 ? rate[k0]! : 0;
    currentPrior = days[k0]! > 0 ? 0 : prior[k0]!;
    priorNow = prior[k0]!;
    learnedSuffix = 0;
    fadingSuffix = 0;
    priorSuffix = 0;
    for (let h = h0 + 1; h * hourMs < periodEnd; h++) {
      const k = hourOfDay(h);
      const length = Math.min(periodEnd, (h + 1) * hourMs) - h * hourMs;
      if (days[k]! > 0) {
        learnedSuffix += rate[k]! * length;
        fadingSuffix += rate[k]! * length * Math.exp(-(h * hourMs + length / 2 - t) / persistMs);
      } else priorSuffix += prior[k]! * length;
    }
    elapsedPriorAt = priorMass(seenFrom, Math.max(t, seenFrom));
    cachedAt = t;
    cachedHour = h0;
  }

  /**
   * Expected value on offer from `t` to the period's end: learned hours at
   * their learned rate; unlearned hours at the prior's shape scaled to the
   * value seen per unit of prior mass elapsed (infinite before any: nothing
   * to scale from, so nothing is released early).
   */
  function expected(t: number): number {
    if (t >= periodEnd) return 0;
    const h = Math.floor(t / hourMs);
    if (h !== cachedHour) refresh(t);
    const left = Math.min(periodEnd, (h + 1) * hourMs) - t;
    let learned = currentLearned * left + learnedSuffix;
    if (ratio !== 1) {
      // The departure seen lately, expected to go on and fade (see the surge detector above).
      const ahead = currentLearned * left * Math.exp(-left / (2 * persistMs)) + fadingSuffix * Math.exp(-(t - cachedAt) / persistMs);
      learned += (ratio - 1) * ahead;
    }
    const unlearnedMass = currentPrior * left + priorSuffix;
    if (unlearnedMass <= 0) return learned;
    const elapsed = elapsedPriorAt + priorNow * Math.max(0, t - Math.max(cachedAt, seenFrom));
    return elapsed > 0 ? learned + (unlearnedMass * seen) / elapsed : Number.POSITIVE_INFINITY;
  }

  /** Folds the finished hour(s) into the profile: value per ms observed, averaged across days. */
  function closeHours(t: number): void {
    const next = Math.floor(t / hourMs);
    for (let h = hour, n = 0; h < next && n < 25; h++, n++) {
      const start = h * hourMs;
      const from = h === hour ? Math.max(hourFrom, start) : start;
      const covered = (start + hourMs - from) / hourMs;
      if (covered > 0) {
        const k = hourOfDay(h);
        const observed = h === hour ? hourValue / (start + hourMs - from) : 0;
        const w = days[k]! * dayDecay;
        days[k] = w + covered;
        rate[k] = (rate[k]! * w + observed * covered) / days[k]!;
      }
    }
    hour = next;
    hourValue = 0;
    hourFrom = next * hourMs;
    cachedHour = Number.NaN;
  }

  const share = (value: number, t: number): number => {
    if (value <= 0) return 0;
    const s = value / (value + expected(t));
    return s > 1 ? 1 : s;
  };

  return {
    observe(t, value) {
      if (t < periodStart || t >= periodEnd) return;
      if (Math.floor(t / hourMs) !== hour) closeHours(t);
      hourValue += value;
      windowValue += value;
      seen += value;
    },
    windowShare: (_from, to) => share(windowValue, to),
    shareSince: (_origin, t) => share(seen, t),
    closeWindow(t) {
      // Within an hour the cache stays exact (the elapsed prior mass grows linearly), so only an
      // hour change refreshes it: once an hour, not once a window, keeps window ends cheap.
      if (t > recentAt) {
        // The window's value against the learned profile's for it (learned hours only: an unlearned
        // hour is scaled to what is seen already). A window across an hour change uses its end's hour.
        const k = hourOfDay(Math.floor((t - 1) / hourMs));
        const fade = Math.exp(-(t - recentAt) / recentMs);
        if (days[k]! > 0) {
          recentSeen = recentSeen * fade + windowValue;
          recentExpected = recentExpected * fade + rate[k]! * (t - recentAt);
        } else {
          recentSeen *= fade;
          recentExpected *= fade;
        }
        recentAt = t;
        fitRatio();
      }
      windowValue = 0;
      if (Math.floor(t / hourMs) !== hour) closeHours(t);
    },
    toJSON: () => ({
      rate: Array.from(rate),
      days: Array.from(days),
      hour,
      hourValue,
      hourFrom,
      seen,
      seenFrom,
      windowValue,
      recent: { seen: recentSeen, expected: recentExpected, at: recentAt },
    }),
  };
}
