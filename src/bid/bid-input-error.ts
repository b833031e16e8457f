/**
 * The error code carried by {@link BidInputError}. It mirrors Connect's
 * `Code.InvalidArgument` by name so an application can map one onto the other
 * (`new ConnectError(err.message, Code.InvalidArgument)`) without this module
 * depending on `@connectrpc/connect`.
 */
export type BidInputErrorCode = "invalid_argument";

/**
 * Thrown synchronously by the bid helpers when an option or an input is
 * invalid: a NaN or out-of-range conversion rate, an unknown auction type, a
 * negative floor or budget, and so on. The message starts with the field name,
 * in the same `<field>: <what is wrong>` style as the rest of the SDK.
 *
 * `syncvalue/bid` has no runtime dependency, so it cannot throw a
 * `ConnectError`; applications that want one can map it:
 *
 * ```ts
 * if (err instanceof BidInputError) throw new ConnectError(err.message, Code.InvalidArgument);
 * ```
 */
export class BidInputError extends Error {
  /** Always `"invalid_argument"` (Connect's `Code.InvalidArgument`). */
  readonly code: BidInputErrorCode = "invalid_argument";
  /** The offending field, as a dotted path, e.g. `"auction.bidfloor"`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = "BidInputError";
    this.field = field;
  }
}

/** Throws a {@link BidInputError} unless `value` is a finite number. */
export function requireFinite(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new BidInputError(field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** Throws a {@link BidInputError} unless `value` is a finite number >= 0. */
export function requireNonNegative(field: string, value: unknown): number {
  const n = requireFinite(field, value);
  if (n < 0) throw new BidInputError(field, `must be >= 0, got ${n}`);
  return n;
}

/** Throws a {@link BidInputError} unless `value` is a finite number > 0. */
export function requirePositive(field: string, value: unknown): number {
  const n = requireFinite(field, value);
  if (n <= 0) throw new BidInputError(field, `must be > 0, got ${n}`);
  return n;
}

/** Throws a {@link BidInputError} unless `value` is a finite number in [0, 1]. */
export function requireProbability(field: string, value: unknown): number {
  const n = requireFinite(field, value);
  if (n < 0 || n > 1) throw new BidInputError(field, `must be between 0 and 1, got ${n}`);
  return n;
}
