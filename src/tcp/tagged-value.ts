import { Code, ConnectError } from "@connectrpc/connect";
import { MsgpackWriter } from "./msgpack-writer.js";
import { TcpProtocolError, describeWireValue } from "./protocol-error.js";
import { isPlainObject } from "./wire-message.js";

/**
 * serde's externally tagged enums, as rmp-serde writes them: a unit variant is
 * the bare string `"Variant"`, a variant with data a one-entry map
 * `{ "Variant": data }`.
 */
export interface TaggedValue {
  readonly variant: string;
  /** The variant's data; `undefined` for a bare string. */
  readonly body: unknown;
  /** True when the value was the bare string form. */
  readonly bare: boolean;
}

/** Splits a decoded value into variant and body, or raises a {@link TcpProtocolError}. */
export function readTagged(value: unknown): TaggedValue {
  if (typeof value === "string") return { variant: value, body: undefined, bare: true };
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) return { variant: keys[0]!, body: value[keys[0]!], bare: false };
    throw new TcpProtocolError(`expected a one-entry map {Variant: ...}, got a map with ${keys.length} entries`);
  }
  throw new TcpProtocolError(`expected a tagged value (string or one-entry map), got ${describeWireValue(value)}`);
}

/** The variant a server answers with when a request fails. */
export const errorVariant = "Error";

/**
 * Maps an `{ "Error": [message] }` / `{ "Error": { message } }` body to the
 * error a caller sees: a `ConnectError` with `Code.Unknown` (the TCP protocol
 * carries no status code) whose `rawMessage` is the server's message.
 */
export function connectErrorFromWire(body: unknown): ConnectError {
  let message: unknown;
  if (Array.isArray(body)) message = body[0];
  else if (isPlainObject(body)) message = body["message"];
  else message = body; // `{ "Error": "text" }` (a newtype variant) is tolerated.
  if (typeof message !== "string") {
    throw new TcpProtocolError(`Error: expected [message: string], got ${describeWireValue(body)}`);
  }
  return new ConnectError(message, Code.Unknown);
}

/** Encodes the frame `{ "Error": [message] }`, how the Rust server reports a failure. */
export function encodeErrorFrame(message: string): Uint8Array {
  const w = new MsgpackWriter(true, 32 + message.length * 3);
  w.mapHeader(1);
  w.str(errorVariant);
  w.arrayHeader(1);
  w.str(message);
  return w.finishFrame();
}
