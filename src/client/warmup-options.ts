import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Options of `client.warmup()`.
 *
 * @public
 */
export interface WarmupOptions {
  /**
   * How long each endpoint may take to connect and answer its health call,
   * in milliseconds. Default 5,000: warm-up runs at startup, where a cold
   * TLS handshake on a busy machine must not fail it, unlike a bid's 100 ms.
   */
  timeoutMs?: number;
  /** Cancels the warm-up: it rejects with `Canceled`. Default none. */
  signal?: AbortSignal;
}

/** Defaults of {@link WarmupOptions}. @public */
export const warmupDefaults = {
  timeoutMs: 5_000,
} as const;

/** Checks `warmup()`'s options, throwing `InvalidArgument` naming the option. */
export function resolveWarmupOptions(options: WarmupOptions | undefined): { timeoutMs: number; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeoutMs: warmupDefaults.timeoutMs, signal: undefined };
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const timeoutMs = options.timeoutMs ?? warmupDefaults.timeoutMs;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1) {
    throw invalidArgument("timeoutMs", "must be a positive number of milliseconds, at most 2147483647");
  }
  const signal = options.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.addEventListener !== "function")) {
    throw invalidArgument("signal", "must be an AbortSignal");
  }
  return { timeoutMs, signal };
}
