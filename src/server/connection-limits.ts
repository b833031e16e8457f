/**
 * Defaults of the limits the reference server puts on every connection, on
 * both ports. One place, so the options, the CLI and the docs agree.
 */

/** Close a connection with nothing read or written for this long: 5 minutes. */
export const defaultIdleTimeoutMs = 300_000;

/**
 * Close a connection that has not finished its handshake in this time: 10 s.
 * The handshake is the TLS handshake and the TCP auth handshake, and on the
 * HTTP port the first bytes (which pick HTTP/2 or HTTP/1.1).
 */
export const defaultHandshakeTimeoutMs = 10_000;

/** Largest HTTP request body (every protocol): 16 MiB, like the TCP frame cap. */
export const defaultMaxRequestBytes = 16 * 1024 * 1024;

/** Most concurrent HTTP/2 streams per connection. */
export const defaultMaxConcurrentStreams = 100;

/**
 * Answer bytes a TCP connection may have waiting to be sent before the server
 * stops reading its requests (it resumes on `drain`).
 */
export const writeHighWaterBytes = 1024 * 1024;

/** Request bytes a TCP connection may have queued ahead of the one being answered. */
export const readAheadBytes = 1024 * 1024;

/** Largest timeout Node's timers take (2^31 - 1 ms, about 24.8 days). */
export const maxTimeoutMs = 0x7fffffff;
