/**
 * The receiving side of a length-prefixed stream (a 4-byte big-endian length,
 * then the payload: docs/wire-protocol.md) for the benchmarks' minimal TCP
 * clients, the floors the SDK is measured against. Returns a `data` listener
 * that hands `onFrame` each whole payload in order and keeps a partial frame
 * for the next chunk; `onFrame` returns false when the connection failed, to
 * stop reading.
 */
export function lengthPrefixedReader(onFrame: (payload: Buffer) => boolean): (chunk: Buffer) => void {
  let pending: Buffer | undefined;
  return (chunk) => {
    const b = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let at = 0;
    while (b.length - at >= 4) {
      const length = b.readUInt32BE(at);
      if (b.length - at - 4 < length) break;
      const payload = b.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      if (!onFrame(payload)) return;
    }
    if (at < b.length) pending = b.subarray(at);
  };
}
