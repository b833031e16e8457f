import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Redis holds amounts as integers of micro-units (1e-6 of the budget
 * currency): integer arithmetic in Lua is exact, so the books balance to the
 * micro-unit however many reports they take.
 */
export const microsPerUnit = 1_000_000;

/** The largest amount the books hold exactly (2^53 micro-units, about 9 billion units). */
export const maxAmount = Number.MAX_SAFE_INTEGER / microsPerUnit;

/** Validates an amount of money (finite, >= 0, within {@link maxAmount}). */
export function requireAmount(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > maxAmount) {
    throw invalidArgument(field, `must be a finite number between 0 and ${Math.floor(maxAmount)}`);
  }
  return value;
}

/** Money to micro-units, rounded up: what a reservation may cost is never under-counted. */
export function toMicrosUp(amount: number): number {
  return Math.ceil(amount * microsPerUnit - 1e-6);
}

/** Money to micro-units, to the nearest. */
export function toMicros(amount: number): number {
  return Math.round(amount * microsPerUnit);
}

/** Micro-units to money. */
export function fromMicros(micros: number): number {
  return micros / microsPerUnit;
}

/** A Redis integer reply (or its string form) as a number. */
export function replyNumber(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}

/** A Redis string reply (null for a missing value) as a string. */
export function replyString(v: unknown): string {
  return v === null || v === undefined || v === false ? "" : String(v);
}
