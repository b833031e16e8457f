import { BidInputError, requireFinite, requireNonNegative } from "./bid-input-error.js";
import type { BudgetSource } from "./budget-source.js";

/** One pending bid: the money it may cost and what settling it needs. */
export interface Reservation {
  /** Maximum cost, bidder currency (the bid price, which bounds first and second price). */
  cost: number;
  /** Clock value after which the outcome is presumed lost and the reservation released. */
  expiresAt: number;
  /** The bid, CPM, auction currency. */
  bidCpm: number;
  /** Bidder currency per unit of auction currency. */
  rate: number;
  /** Auction type, for the win-rate model. */
  auctionType: 1 | 2;
  /** The win-rate segment of a first-price bid, if any. */
  segment?: string | undefined;
  /** The auction's floor, CPM, auction currency (first price): an exact minimum bid to win at the floor only bounds the competing bid. */
  floorCpm?: number | undefined;
  /** The impression's value before pacing, CPM, bidder currency (first price): where the win-rate model reads its market. */
  valueCpm?: number | undefined;
}

/** Serialisable state of a {@link BudgetGuard}. */
export interface BudgetGuardState {
  spent: number;
  reserved: number;
  pending: Array<[string, Reservation]>;
  recentlyExpired: Array<[string, Reservation]>;
}

/** How `settle` treated an outcome. */
export type SettleResult =
  | { applied: true; won: boolean; cost: number; late: boolean; reservation: Reservation }
  | { applied: false; reason: "unknown_decision" };

/**
 * The hard budget guard. State machine per bid: `reserve` (pending) then
 * exactly one of `settle(win)` (spent), `settle(loss)` or `expire` (released).
 * A second outcome for the same id finds nothing pending and is ignored, so
 * duplicates never double-count. An expired id is remembered in a small ring
 * for one reason: a win notice that arrives after expiry is real spend and is
 * still counted (flagged `late`).
 *
 * Invariant: a reservation is only made when `spent + reserved + cost <= total`,
 * and a win costs at most its reservation, so settled spend never exceeds the
 * budget as long as exchanges never charge above the bid and win notices
 * arrive before expiry.
 */
export class BudgetGuard {
  readonly total: number;
  #spentAmount: number;
  #reservedAmount: number;
  readonly #pending: Map<string, Reservation>;
  readonly #expired: Map<string, Reservation>;
  readonly #expiredCapacity: number;
  readonly #source: BudgetSource | undefined;

  /** @param source - a shared budget that narrows what may be committed (see {@link BudgetSource}); default none. */
  constructor(total: number, expiredCapacity: number, state?: BudgetGuardState, source?: BudgetSource) {
    this.total = requireNonNegative("budget.amount", total);
    this.#expiredCapacity = expiredCapacity;
    this.#source = source;
    if (state) {
      this.#spentAmount = requireNonNegative("state.budget.spent", state.spent);
      this.#reservedAmount = requireNonNegative("state.budget.reserved", state.reserved);
      if (!Array.isArray(state.pending) || !Array.isArray(state.recentlyExpired)) {
        throw new BidInputError("state.budget.pending", "must be an array of [id, reservation] pairs");
      }
      this.#pending = new Map(state.pending.map(([id, r]) => [id, { ...r }]));
      this.#expired = new Map(state.recentlyExpired.map(([id, r]) => [id, { ...r }]));
    } else {
      this.#spentAmount = 0;
      this.#reservedAmount = 0;
      this.#pending = new Map();
      this.#expired = new Map();
    }
  }

  /** Settled spend. */
  get spent(): number {
    return this.#spentAmount;
  }

  /** Sum of the reservations of pending bids. */
  get reserved(): number {
    return this.#reservedAmount;
  }

  /** Number of pending bids. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Budget left after settled spend and reservations (never negative), and within the source's headroom. */
  available(): number {
    const a = this.total - this.#spentAmount - this.#reservedAmount;
    const local = a > 0 ? a : 0;
    if (this.#source === undefined) return local;
    const h = this.#source.headroom();
    return h < local ? (h > 0 ? h : 0) : local;
  }

  /** Whether a bid costing at most `cost` may be placed. */
  canCover(cost: number): boolean {
    if (this.#spentAmount + this.#reservedAmount + cost > this.total) return false;
    return this.#source === undefined || cost <= this.#source.headroom();
  }

  /** Why nothing can be covered: the source's reason, or `budget_exhausted`. */
  refusal(): "budget_unavailable" | "budget_exhausted" {
    return this.#source === undefined ? "budget_exhausted" : this.#source.refusal();
  }

  /** The reservation of a pending or recently expired bid, without settling it. */
  peek(id: string): Reservation | undefined {
    return this.#pending.get(id) ?? this.#expired.get(id);
  }

  /** Reserves `reservation.cost` for a new pending bid; the caller checked `canCover`. */
  reserve(id: string, reservation: Reservation): void {
    this.#pending.set(id, reservation);
    this.#reservedAmount += reservation.cost;
    this.#source?.reserve(id, reservation.cost);
  }

  /**
   * Settles a pending bid. A win costs `priceCpm` (auction currency; defaults
   * to the bid, the most a win can cost) converted at the bid's rate.
   */
  settle(id: string, won: boolean, priceCpm: number | undefined): SettleResult {
    const r = this.#pending.get(id);
    if (r) {
      this.#pending.delete(id);
      this.#release(r.cost);
      const cost = won ? this.#charge(r, priceCpm) : 0;
      this.#source?.settle(id, r.cost, cost, false);
      return { applied: true, won, cost, late: false, reservation: r };
    }
    const late = this.#expired.get(id);
    if (late && won) {
      this.#expired.delete(id);
      const cost = this.#charge(late, priceCpm);
      this.#source?.settle(id, 0, cost, true);
      return { applied: true, won, cost, late: true, reservation: late };
    }
    if (late) {
      this.#expired.delete(id);
      return { applied: true, won, cost: 0, late: true, reservation: late };
    }
    return { applied: false, reason: "unknown_decision" };
  }

  /**
   * Releases every pending bid whose outcome is overdue (`expiresAt <= now`).
   * Reservations are kept in insertion order and share one timeout, so this
   * stops at the first one still in time. Returns how many were released;
   * `onExpired` sees each.
   */
  expire(now: number, onExpired?: (reservation: Reservation) => void): number {
    let n = 0;
    for (const [id, r] of this.#pending) {
      if (r.expiresAt > now) break;
      this.#pending.delete(id);
      this.#release(r.cost);
      this.#source?.settle(id, r.cost, 0, true);
      onExpired?.(r);
      this.#expired.set(id, r);
      if (this.#expired.size > this.#expiredCapacity) {
        const oldest = this.#expired.keys().next().value as string;
        this.#expired.delete(oldest);
      }
      n++;
    }
    return n;
  }

  toJSON(): BudgetGuardState {
    return {
      spent: this.#spentAmount,
      reserved: this.#reservedAmount,
      pending: Array.from(this.#pending, ([id, r]) => [id, { ...r }] as [string, Reservation]),
      recentlyExpired: Array.from(this.#expired, ([id, r]) => [id, { ...r }] as [string, Reservation]),
    };
  }

  #charge(r: Reservation, priceCpm: number | undefined): number {
    const price = priceCpm === undefined ? r.bidCpm : requireNonNegative("priceCpm", priceCpm);
    const cost = (requireFinite("priceCpm", price) / 1000) * r.rate;
    this.#spentAmount += cost;
    return cost;
  }

  #release(cost: number): void {
    // An empty book resets the running sum exactly, so rounding cannot drift.
    this.#reservedAmount = this.#pending.size === 0 ? 0 : Math.max(0, this.#reservedAmount - cost);
  }
}
