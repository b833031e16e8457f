import { TcpProtocolError } from "./protocol-error.js";

/**
 * What a MessagePack answer of the raw TCP binding may hold, from what the
 * contract's answers need. Decoding is not free under the frame cap: a
 * 16 MiB frame can hold millions of tiny values, and msgpackr takes
 * seconds over a million-entry map, blocking the event loop (every other
 * call's deadline with it). So the frame's headers are scanned first (no
 * value is built) and an answer beyond these bounds is refused before
 * decoding.
 */
export interface MsgpackBounds {
  /** Deepest nesting of maps and arrays. */
  readonly maxDepth: number;
  /** Most entries of one map. */
  readonly maxMapEntries: number;
  /** Most items of one array. */
  readonly maxArrayItems: number;
  /** Longest string or binary, in bytes. */
  readonly maxStringBytes: number;
  /** Most values (containers, scalars, keys) in the whole frame. */
  readonly maxValues: number;
}

/**
 * The bounds of answers. The deepest answer is a batch's
 * `{PredictLTVBatchOk: [[[..., [[name, importance, value]]]]]}`: depth 6.
 * Maps are structs by name (at most 12 fields, plus fields a newer server
 * appends) or the 1-entry variant tag: 256, the request maps' limit. A batch
 * has at most 1,000 answers (`maxBatchSize`), `top_features`, neighbours,
 * paths and search results far fewer than 100,000 items. The largest
 * string is a concept's content, at most 1 Mi characters (4 MiB of UTF-8).
 * 250,000 values hold a full batch with 200 values per prediction, and
 * decode in tens of milliseconds.
 */
export const answerBounds: MsgpackBounds = {
  maxDepth: 16,
  maxMapEntries: 256,
  maxArrayItems: 100_000,
  maxStringBytes: 4 * 1024 * 1024,
  maxValues: 250_000,
};

/**
 * Scans the MessagePack headers of `payload` (skipping string, binary and
 * extension bodies, building nothing) and throws a {@link TcpProtocolError}
 * at the first value beyond `bounds`, or when the data ends inside a value.
 * Cost: one step per value, at most `maxValues` steps.
 */
export function checkMsgpackBounds(payload: Uint8Array, bounds: MsgpackBounds): void {
  // No closure, DataView or stack array per call: this runs on every answer.
  const end = payload.byteLength;
  // Values still to read in each open container; the bottom entry is the top-level value.
  const open = openStack;
  open.length = 0;
  open.push(1);
  let pos = 0;
  let values = 0;
  while (open.length > 0) {
    const top = open.length - 1;
    if (open[top] === 0) {
      open.pop();
      continue;
    }
    open[top]!--;
    if (++values > bounds.maxValues) refuse(`more than ${bounds.maxValues} values`);
    if (pos + 1 > end) truncated(end);
    const b = payload[pos]!;
    if (b <= 0x7f || b >= 0xe0) {
      pos += 1; // fixint
    } else if (b <= 0x8f) {
      pos += 1;
      openContainer(open, b & 0x0f, true, bounds);
    } else if (b <= 0x9f) {
      pos += 1;
      openContainer(open, b & 0x0f, false, bounds);
    } else if (b <= 0xbf) {
      pos = skipBytes(pos, b & 0x1f, 1, end, bounds); // fixstr
    } else {
      switch (b) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          pos += 1;
          break;
        case 0xc4: // bin 8
        case 0xd9: // str 8
          if (pos + 2 > end) truncated(end);
          pos = skipBytes(pos, payload[pos + 1]!, 2, end, bounds);
          break;
        case 0xc5: // bin 16
        case 0xda: // str 16
          if (pos + 3 > end) truncated(end);
          pos = skipBytes(pos, uint16(payload, pos + 1), 3, end, bounds);
          break;
        case 0xc6: // bin 32
        case 0xdb: // str 32
          if (pos + 5 > end) truncated(end);
          pos = skipBytes(pos, uint32(payload, pos + 1), 5, end, bounds);
          break;
        case 0xc7: // ext 8
          if (pos + 2 > end) truncated(end);
          pos = skipBytes(pos, payload[pos + 1]!, 3, end, bounds);
          break;
        case 0xc8: // ext 16
          if (pos + 3 > end) truncated(end);
          pos = skipBytes(pos, uint16(payload, pos + 1), 4, end, bounds);
          break;
        case 0xc9: // ext 32
          if (pos + 5 > end) truncated(end);
          pos = skipBytes(pos, uint32(payload, pos + 1), 6, end, bounds);
          break;
        case 0xcc: // uint 8
        case 0xd0: // int 8
          if (pos + 2 > end) truncated(end);
          pos += 2;
          break;
        case 0xcd: // uint 16
        case 0xd1: // int 16
          if (pos + 3 > end) truncated(end);
          pos += 3;
          break;
        case 0xca: // float 32
        case 0xce: // uint 32
        case 0xd2: // int 32
          if (pos + 5 > end) truncated(end);
          pos += 5;
          break;
        case 0xcb: // float 64
        case 0xcf: // uint 64
        case 0xd3: // int 64
          if (pos + 9 > end) truncated(end);
          pos += 9;
          break;
        case 0xd4: // fixext 1, 2, 4, 8, 16
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          const n = 2 + (1 << (b - 0xd4));
          if (pos + n > end) truncated(end);
          pos += n;
          break;
        }
        case 0xdc: // array 16
        case 0xde: // map 16
          if (pos + 3 > end) truncated(end);
          pos += 3;
          openContainer(open, uint16(payload, pos - 2), b === 0xde, bounds);
          break;
        case 0xdd: // array 32
        case 0xdf: // map 32
          if (pos + 5 > end) truncated(end);
          pos += 5;
          openContainer(open, uint32(payload, pos - 4), b === 0xdf, bounds);
          break;
        default: // 0xc1: never used
          throw new TcpProtocolError(`undecodable MessagePack frame (${end} bytes): reserved byte 0xc1`);
      }
    }
  }
}

/** The scan's stack of open containers, reused by every call (the scan is synchronous). */
const openStack: number[] = [];

function refuse(what: string): never {
  throw new TcpProtocolError(`answer beyond the contract's bounds: ${what}`);
}

function truncated(end: number): never {
  throw new TcpProtocolError(`undecodable MessagePack frame (${end} bytes): data ends inside a value`);
}

function openContainer(open: number[], items: number, isMap: boolean, bounds: MsgpackBounds): void {
  if (isMap ? items > bounds.maxMapEntries : items > bounds.maxArrayItems) {
    refuse(`${isMap ? "a map of" : "an array of"} ${items} ${isMap ? "entries" : "items"} (at most ${isMap ? bounds.maxMapEntries : bounds.maxArrayItems})`);
  }
  if (open.length > bounds.maxDepth) refuse(`nesting deeper than ${bounds.maxDepth}`);
  if (items > 0) open.push(isMap ? items * 2 : items);
}

/** Skips a string, binary or extension body of `len` bytes after a `skip`-byte header; returns the new position. */
function skipBytes(pos: number, len: number, skip: number, end: number, bounds: MsgpackBounds): number {
  if (len > bounds.maxStringBytes) refuse(`a ${len}-byte string or binary (at most ${bounds.maxStringBytes})`);
  if (pos + skip + len > end) truncated(end);
  return pos + skip + len;
}

function uint16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function uint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}
