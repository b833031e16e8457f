import type { Interceptor } from "@connectrpc/connect";

/**
 * Options of {@link createFetchTransport}.
 *
 * @public
 */
export interface FetchTransportOptions {
  /**
   * Where the service lives, `http(s)://host[:port][/prefix]`; calls go to
   * `POST {baseUrl}/{service}/{method}`. Required.
   */
  baseUrl: string;
  /**
   * The wire protocol, always with binary protobuf: `"connect"` (HTTP status
   * and JSON error bodies) or `"grpc-web"` (status in a trailer frame).
   * @defaultValue "connect"
   */
  protocol?: "connect" | "grpc-web";
  /**
   * Connect interceptors, outermost first. With none, calls skip Connect's
   * interceptor machinery entirely.
   * @defaultValue []
   */
  interceptors?: Interceptor[];
  /**
   * Sent as `authorization: Bearer <token>` on every call (interceptors see it).
   * @defaultValue no authorization header
   */
  authToken?: string;
  /**
   * Largest response body of one call, in bytes after any HTTP content
   * decoding; counted while it streams in, so a larger one fails the call
   * with `ResourceExhausted` at the first chunk past the cap.
   * @defaultValue 4194304 (4 MiB, gRPC's default receive limit)
   */
  maxResponseBytes?: number;
  /**
   * Largest total of response bytes held at once for the transport's calls
   * in flight; the call whose bytes would cross it fails with `ResourceExhausted`.
   * @defaultValue 67108864 (64 MiB)
   */
  maxResponseBytesInFlight?: number;
  /**
   * The `fetch` to call (a wrapper for tracing, a test double of a real server).
   * @defaultValue the global `fetch`, looked up at each call
   */
  fetch?: typeof fetch;
}

/**
 * Defaults of {@link FetchTransportOptions}.
 *
 * @public
 */
export const fetchTransportDefaults = {
  protocol: "connect",
  maxResponseBytes: 4 * 1024 * 1024,
  maxResponseBytesInFlight: 64 * 1024 * 1024,
} as const;
