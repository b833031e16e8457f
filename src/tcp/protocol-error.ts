import { Code, ConnectError } from "@connectrpc/connect";

/**
 * A violation of the raw TCP protocol by the peer: undecodable MessagePack,
 * an unexpected variant, a field of the wrong type. Over a connection without
 * request ids such a frame means the stream is in doubt, so a connection that
 * sees one is closed and never reused (docs/wire-protocol.md, Framing).
 *
 * Surfaces to callers as a `ConnectError` with `Code.Internal`. Its `name`
 * stays `"ConnectError"`: `ConnectError.from()` and `instanceof ConnectError`
 * recognise errors by that name, and `instanceof TcpProtocolError` cannot be
 * used (the inherited `Symbol.hasInstance` accepts any ConnectError); use
 * {@link isTcpProtocolError}.
 */
export class TcpProtocolError extends ConnectError {
  /** Brand: `instanceof` cannot tell ConnectError subclasses apart (ConnectError overrides `Symbol.hasInstance`). */
  readonly poisonsConnection = true;
  constructor(message: string, cause?: unknown) {
    super(`protocol error: ${message}`, Code.Internal, undefined, undefined, cause);
  }
}

/** Describes a decoded MessagePack value for error messages. */
export function describeWireValue(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Uint8Array) return "binary";
  if (typeof value === "object") return "map";
  return typeof value;
}

/** True for an error that leaves the connection's stream in doubt (see {@link TcpProtocolError}). */
export function isTcpProtocolError(e: unknown): e is TcpProtocolError {
  return typeof e === "object" && e !== null && (e as { poisonsConnection?: unknown }).poisonsConnection === true;
}
