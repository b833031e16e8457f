import { invalidArgument } from "./invalid-argument.js";
import { validationLimits } from "./validation-limits.js";

// Checks shared by every request validator. Each throws a ConnectError naming
// `field` and never includes the value itself (it may be personal data).

const FLOAT32_MAX = 3.4028234663852886e38;
const UINT32_MAX = 0xffffffff;

/** A string of at most `maxStringLength` characters; empty allowed. */
export function checkString(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string") throw invalidArgument(field, `must be a string, got ${typeOf(value)}`);
  if (value.length > validationLimits.maxStringLength) {
    throw invalidArgument(field, `must be at most ${validationLimits.maxStringLength} characters, got ${value.length}`);
  }
}

/** A non-empty identifier of at most `maxIdLength` characters. */
export function checkId(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string") throw invalidArgument(field, `must be a string, got ${typeOf(value)}`);
  if (value.length === 0) throw invalidArgument(field, "must not be empty");
  if (value.length > validationLimits.maxIdLength) {
    throw invalidArgument(field, `must be at most ${validationLimits.maxIdLength} characters, got ${value.length}`);
  }
}

/** A finite double. */
export function checkFinite(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number") throw invalidArgument(field, `must be a number, got ${typeOf(value)}`);
  if (!Number.isFinite(value)) throw invalidArgument(field, `must be a finite number, got ${value}`);
}

/** A finite double that is not negative. */
export function checkNonNegative(value: unknown, field: string): asserts value is number {
  checkFinite(value, field);
  if (value < 0) throw invalidArgument(field, "must not be negative");
}

/** A finite number that a float32 can hold without overflowing to infinity. */
export function checkFloat32(value: unknown, field: string): asserts value is number {
  checkFinite(value, field);
  if (Math.abs(value) > FLOAT32_MAX) throw invalidArgument(field, "is out of float32 range");
}

/** An integer in 0..2^32-1. */
export function checkUint32(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number") throw invalidArgument(field, `must be a number, got ${typeOf(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw invalidArgument(field, `must be an integer from 0 to ${UINT32_MAX}, got ${value}`);
  }
}

/** A bigint (or safe-integer number) that is not negative, as for timestamps. */
export function checkNonNegativeInt64(value: unknown, field: string): void {
  if (typeof value === "bigint") {
    if (value < 0n || value > 0x7fffffffffffffffn) throw invalidArgument(field, "must be a non-negative int64");
    return;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return;
  throw invalidArgument(field, `must be a non-negative integer (bigint), got ${typeOf(value)}`);
}

export function checkBoolean(value: unknown, field: string): asserts value is boolean {
  if (typeof value !== "boolean") throw invalidArgument(field, `must be a boolean, got ${typeOf(value)}`);
}

/** An array of at most `max` items, each checked by `item`. */
export function checkArray<T>(
  value: unknown,
  field: string,
  max: number,
  item: (v: unknown, field: string) => void,
): asserts value is T[] {
  if (!Array.isArray(value)) throw invalidArgument(field, `must be an array, got ${typeOf(value)}`);
  if (value.length > max) throw invalidArgument(field, `must have at most ${max} items, got ${value.length}`);
  for (let i = 0; i < value.length; i++) item(value[i], `${field}[${i}]`);
}

/** A map<string,string>: a plain object of string values, bounded in entries. */
export function checkStringMap(value: unknown, field: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgument(field, `must be an object of strings, got ${typeOf(value)}`);
  }
  const keys = Object.keys(value);
  if (keys.length > validationLimits.maxMapEntries) {
    throw invalidArgument(field, `must have at most ${validationLimits.maxMapEntries} entries, got ${keys.length}`);
  }
  for (const key of keys) {
    checkString(key, `${field} key`);
    checkString((value as Record<string, unknown>)[key], `${field}[${JSON.stringify(key.slice(0, 64))}]`);
  }
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
