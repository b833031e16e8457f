import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Reads a client feature option (`cache`, `retry`, ...): `false` turns the
 * feature off; `true`, or `undefined` when it is on by default, means its
 * defaults; an options object is returned as is (its fields are checked where
 * they are used). Anything else throws `InvalidArgument` naming the option.
 */
export function featureOption<T extends object>(value: boolean | T | undefined, name: string, onByDefault: boolean): T | undefined {
  if (value === undefined) return onByDefault ? ({} as T) : undefined;
  if (value === false) return undefined;
  if (value === true) return {} as T;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgument(name, "must be false, true or an options object");
  }
  return value;
}
