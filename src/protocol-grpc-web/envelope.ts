import { Code, ConnectError } from "@connectrpc/connect";

/** Flag of a compressed message frame (we never ask for compression). */
export const compressedFlag = 0x01;
/** Flag of the gRPC-web trailer frame, which carries `grpc-status` in the body. */
export const trailerFlag = 0x80;

/** One length-prefixed frame: a flags byte, a 4-byte big-endian length, the data. */
export interface Envelope {
  readonly flags: number;
  readonly data: Uint8Array;
}

/** Frames one message: flags 0, its length, its bytes. */
export function encodeEnvelope(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + message.byteLength);
  new DataView(frame.buffer).setUint32(1, message.byteLength);
  frame.set(message, 5);
  return frame;
}

/**
 * Splits a whole response body into its frames (views, no copies). A body
 * that ends inside a frame is a protocol error (`Internal`): the server or
 * a proxy cut it short.
 */
export function decodeEnvelopes(body: Uint8Array): Envelope[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const frames: Envelope[] = [];
  let pos = 0;
  while (pos < body.byteLength) {
    if (body.byteLength - pos < 5) throw incomplete();
    const length = view.getUint32(pos + 1);
    const end = pos + 5 + length;
    if (end > body.byteLength) throw incomplete();
    frames.push({ flags: body[pos]!, data: body.subarray(pos + 5, end) });
    pos = end;
  }
  return frames;
}

function incomplete(): ConnectError {
  return new ConnectError("protocol error: incomplete envelope", Code.Internal);
}
