import type { ConnectError } from "@connectrpc/connect";

/**
 * Brands an error whose request the server provably did not process (an
 * HTTP/2 `RST_STREAM` with `REFUSED_STREAM`: the gRPC spec says "no
 * processing occurred and the request can be retried"). Such a call may be
 * sent again even when it is a write. A brand, not a subclass: `instanceof`
 * cannot tell `ConnectError` subclasses apart, and the error keeps its
 * identity through Connect's `ConnectError.from`.
 */
export function markNotProcessed<E extends ConnectError>(error: E): E {
  (error as { notProcessed?: boolean }).notProcessed = true;
  return error;
}

/** True for an error branded by {@link markNotProcessed}. */
export function isNotProcessed(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { notProcessed?: unknown }).notProcessed === true;
}
