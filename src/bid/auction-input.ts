import { BidInputError, requireFinite, requireNonNegative, requirePositive } from "./bid-input-error.js";
import type { AuctionType } from "./bid-decision.js";

/** The auction an impression is sold in, with OpenRTB 2.6 field names. */
export interface AuctionInput {
  /** `BidRequest.at`: 1 first price, 2 second price plus. Anything else is an input error. */
  at: number;
  /** `Imp.bidfloor`: minimum bid, CPM, in `bidfloorcur`. Default 0. */
  bidfloor?: number;
  /** `Imp.bidfloorcur`: ISO-4217 currency of the floor and of the bid. Default "USD" (OpenRTB's default). */
  bidfloorcur?: string;
  /** `BidRequest.tmax`: ms the exchange waits for bids, counted from `startedAt`. Default: no deadline. */
  tmax?: number;
  /** When the bid request was received, on the bidder's `now()` clock. Default: `now()` at `bid()`. */
  startedAt?: number;
}

/** The validated, normalised auction. */
export interface NormalisedAuction {
  at: AuctionType;
  floorCpm: number;
  currency: string;
  tmax: number | undefined;
  startedAt: number;
}

/** Validates an auction; throws a {@link BidInputError} naming the field. */
export function normaliseAuction(auction: AuctionInput | undefined, now: number): NormalisedAuction {
  if (auction === undefined || auction === null || typeof auction !== "object") {
    throw new BidInputError("auction", "is required");
  }
  const at = auction.at;
  if (at !== 1 && at !== 2) {
    throw new BidInputError("auction.at", `unknown auction type ${String(at)} (1 first price, 2 second price)`);
  }
  const floorCpm = auction.bidfloor === undefined ? 0 : requireNonNegative("auction.bidfloor", auction.bidfloor);
  const currency = auction.bidfloorcur ?? "USD";
  if (typeof currency !== "string" || currency.length === 0) {
    throw new BidInputError("auction.bidfloorcur", "must be a currency code");
  }
  const tmax = auction.tmax === undefined ? undefined : requirePositive("auction.tmax", auction.tmax);
  const startedAt = auction.startedAt === undefined ? now : requireFinite("auction.startedAt", auction.startedAt);
  return { at, floorCpm, currency, tmax, startedAt };
}

/**
 * The moment by which a decision must be made so the answer still reaches the
 * exchange: `startedAt + tmax - networkMarginMs`. A prediction that arrives
 * later is ignored. Use it to race the prediction call, e.g.
 * `Promise.race([predict(), sleep(deadline - now())])`. Infinity without `tmax`.
 */
export function decisionDeadline(startedAt: number, tmax: number | undefined, networkMarginMs: number): number {
  return tmax === undefined ? Number.POSITIVE_INFINITY : startedAt + tmax - networkMarginMs;
}
