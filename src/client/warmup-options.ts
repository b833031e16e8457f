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
export function resolveWarmupOptions(options: WarmupOptions | undefined): Required<Pick<WarmupOptions, "timeoutMs">> & WarmupOptions {
  const { timeoutMs = warmupDefaults.timeoutMs, signal } = options ?? {};
  if (!(typeof timeoutMs === "number" && timeoutMs > 0 && timeoutMs < 2 ** 31)) throw invalidArgument("timeoutMs", "must be a positive number of milliseconds");
  if (signal !== undefined && typeof signal?.addEventListener !== "function") throw invalidArgument("signal", "must be an AbortSignal");
  return { timeoutMs, signal };
}
