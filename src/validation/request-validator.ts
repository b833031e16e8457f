import type { DescMethod, DescService } from "@bufbuild/protobuf";

/**
 * Validates one request message; throws `ConnectError` `InvalidArgument`.
 * `reusable` says the message is the caller's own object (it was passed as a
 * message, not built from an init for this call), which the caller may send
 * again: a validator may remember it passed (`validatePredictionCall`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RequestValidator = (message: any, reusable: boolean) => void;

/**
 * A service's request checks keyed by method descriptor (one lookup per call,
 * no string building), from checks named by the methods' local names.
 */
export function methodValidators<S extends DescService>(
  service: S,
  byMethod: Partial<Record<keyof S["method"], RequestValidator>>,
): ReadonlyMap<DescMethod, RequestValidator> {
  const map = new Map<DescMethod, RequestValidator>();
  for (const [name, validate] of Object.entries<RequestValidator | undefined>(byMethod)) {
    if (validate) map.set((service.method as Record<string, DescMethod>)[name]!, validate);
  }
  return map;
}
