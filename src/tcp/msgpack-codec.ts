// The "unpack" entry: only the decoder (no msgpackr streams, and on Node no
// probing for the optional native addon, which cost ~10 ms of every cold start
// and did not decode our small frames faster). Under Node's import condition
// that entry is msgpackr's index, encoder included: the package's Node build
// inlines msgpackr's unpack.js alone instead (tsup.config.ts).
import { Unpackr } from "msgpackr/unpack";
import { checkMsgpackBounds, type MsgpackBounds } from "./msgpack-bounds.js";
import { TcpProtocolError } from "./protocol-error.js";

/**
 * MessagePack decoding for the raw TCP binding, with msgpackr.
 *
 * Options and why:
 * - `useRecords: false`: plain MessagePack only; msgpackr records are an
 *   extension other implementations cannot read (docs/wire-protocol.md).
 * - `mapsAsObjects: true`: maps decode to plain objects; a `__proto__` key is
 *   renamed by msgpackr, so a peer cannot reach an object's prototype.
 * - `int64AsType: "bigint"`: `uint64`/`int64` markers decode to `bigint` so
 *   values above 2^53 are never rounded. Smaller integers arrive as numbers
 *   (the encoder picks the smallest marker); the field mappers turn every
 *   64-bit protobuf field into a `bigint` either way.
 * - `copyBuffers: true`: binary values are copies, never views of the frame
 *   (on Node a frame is a view of the socket's reused read buffer).
 *
 * No eval on edge runtimes: msgpackr's only `new Function` call is in
 * `createStructureReader` (unpack.js), which builds a fast reader for a
 * *record* structure. It is reached only when the peer sends a record
 * definition (ext type 0x72), which a plain-MessagePack server never does, and
 * even then msgpackr catches the failure where code generation is disallowed
 * (Cloudflare Workers) and falls back to its interpreting reader. Nothing
 * else in msgpackr's unpack path generates code. Encoding does not use
 * msgpackr at all (see `msgpack-writer.ts`).
 */
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: "bigint",
  copyBuffers: true,
});

/**
 * Decodes one MessagePack value. Malformed or truncated input raises a
 * {@link TcpProtocolError}; so does a value beyond `bounds` (checked before
 * anything is decoded, see `checkMsgpackBounds`), when given.
 */
export function decodeMsgpack(payload: Uint8Array, bounds?: MsgpackBounds): unknown {
  if (bounds !== undefined) checkMsgpackBounds(payload, bounds);
  try {
    return unpackr.unpack(payload);
  } catch (e) {
    throw new TcpProtocolError(
      `undecodable MessagePack frame (${payload.byteLength} bytes): ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
}
