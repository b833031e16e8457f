/**
 * Replaces: msgpackr's `Packr` for encoding TCP requests (decoding still uses msgpackr, `msgpack-codec.ts`).
 * Reason: the wire needs float32 or float64 per field (below), which msgpackr cannot write; the cost is in
 * BENCHMARKS.md, "Encode and decode time per message", row "syncvalue TCP codec (typed writer; msgpackr + message
 * mapping)" against "msgpackr plain (wire-shaped objects, no mapping)": 6,658 ns against 4,209 ns per request, the
 * difference being the mapping from protobuf-es messages that msgpackr would need too.
 * Depends on: no library for encoding; msgpackr ^2.1.3 (package.json) for decoding.
 */
import { frameHeaderBytes } from "./frame-codec.js";

/**
 * A small typed MessagePack writer for the raw TCP binding.
 *
 * Why not msgpackr's `Packr` for encoding: the wire needs float32 (`0xca`) for
 * `f32` fields and float64 (`0xcb`) for `f64` fields *per value*, the way
 * rmp-serde writes them from the Rust types. msgpackr only has a global
 * `useFloat32` switch (every non-integer becomes float32, or a decimal-fit
 * heuristic), and its extension hooks always add an ext header. The caller
 * here knows each field's type from the protobuf descriptor and calls
 * {@link MsgpackWriter.float32} or {@link MsgpackWriter.float64} itself.
 *
 * Integers use the smallest MessagePack integer that fits, like rmp
 * (`write_uint` / `write_sint`): non-negative values use the unsigned
 * markers. Only plain MessagePack is written: no ext types, ever.
 *
 * A writer can reserve room for the 4-byte frame header, so a request is
 * encoded into its final frame with a single allocation.
 */
export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos: number;
  private readonly start: number;

  /**
   * @param withFrameHeader - reserve 4 bytes for the frame length, filled by {@link MsgpackWriter.finishFrame}.
   * @param initialBytes - initial buffer size; grows by doubling.
   */
  constructor(withFrameHeader = true, initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
    this.start = withFrameHeader ? frameHeaderBytes : 0;
    this.pos = this.start;
  }

  /** Starts over at an empty payload, keeping the buffer (a pooled writer encodes every request in it). */
  reset(): void {
    this.pos = this.start;
  }

  /** Bytes held by the buffer, written or not. */
  get capacity(): number {
    return this.buf.byteLength;
  }

  /**
   * Returns a copy of the frame (length prefix plus payload), exactly its
   * size: the writer's buffer is reused, and a socket may still hold a
   * written buffer.
   */
  copyFrame(): Uint8Array {
    if (this.start !== frameHeaderBytes) throw new Error("writer was created without a frame header");
    this.view.setUint32(0, this.pos - frameHeaderBytes);
    const frame = carveFrame(this.pos);
    frame.set(this.buf.subarray(0, this.pos));
    return frame;
  }

  /** Returns the frame: length prefix plus the payload written so far. */
  finishFrame(): Uint8Array {
    if (this.start !== frameHeaderBytes) throw new Error("writer was created without a frame header");
    this.view.setUint32(0, this.pos - frameHeaderBytes);
    return this.buf.subarray(0, this.pos);
  }

  /** Returns the payload written so far, without a frame header. */
  finish(): Uint8Array {
    return this.buf.subarray(this.start, this.pos);
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 0xc3 : 0xc2;
  }

  /**
   * Writes an integer with the smallest marker that fits. Accepts a safe
   * integer number or a bigint in the int64/uint64 range.
   */
  int(value: number | bigint): void {
    if (typeof value === "bigint") {
      if (value >= -0x1fffffffffffffn && value <= 0x1fffffffffffffn) {
        this.int(Number(value));
        return;
      }
      this.ensure(9);
      if (value > 0n) {
        if (value > 0xffffffffffffffffn) throw new RangeError(`integer ${value} does not fit uint64`);
        this.buf[this.pos++] = 0xcf;
        this.view.setBigUint64(this.pos, value);
      } else {
        if (value < -0x8000000000000000n) throw new RangeError(`integer ${value} does not fit int64`);
        this.buf[this.pos++] = 0xd3;
        this.view.setBigInt64(this.pos, value);
      }
      this.pos += 8;
      return;
    }
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${value} is not a safe integer`);
    }
    this.ensure(9);
    const b = this.buf;
    if (value >= 0) {
      if (value < 0x80) {
        b[this.pos++] = value;
      } else if (value < 0x100) {
        b[this.pos++] = 0xcc;
        b[this.pos++] = value;
      } else if (value < 0x10000) {
        b[this.pos++] = 0xcd;
        this.view.setUint16(this.pos, value);
        this.pos += 2;
      } else if (value < 0x100000000) {
        b[this.pos++] = 0xce;
        this.view.setUint32(this.pos, value);
        this.pos += 4;
      } else {
        // Two 32-bit halves: no BigInt built for a safe integer (a timestamp in ms is one).
        b[this.pos++] = 0xcf;
        this.view.setUint32(this.pos, Math.floor(value / 0x100000000));
        this.view.setUint32(this.pos + 4, value >>> 0);
        this.pos += 8;
      }
    } else if (value >= -32) {
      b[this.pos++] = value & 0xff;
    } else if (value >= -0x80) {
      b[this.pos++] = 0xd0;
      this.view.setInt8(this.pos++, value);
    } else if (value >= -0x8000) {
      b[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, value);
      this.pos += 2;
    } else if (value >= -0x80000000) {
      b[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, value);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, BigInt(value));
      this.pos += 8;
    }
  }

  /** Writes MessagePack float32 (`0xca`): the encoding of a Rust `f32`. */
  float32(value: number): void {
    this.ensure(5);
    this.buf[this.pos++] = 0xca;
    this.view.setFloat32(this.pos, value);
    this.pos += 4;
  }

  /** Writes MessagePack float64 (`0xcb`): the encoding of a Rust `f64`, even for whole numbers. */
  float64(value: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  str(value: string): void {
    const n = value.length;
    // Short strings: one pass to size, one to copy, no TextEncoder call overhead.
    if (n < 64) {
      let bytes = 0;
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (value.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        bytes = n;
        this.strHeader(bytes);
        this.ensure(bytes);
        const b = this.buf;
        for (let i = 0; i < n; i++) b[this.pos++] = value.charCodeAt(i);
        return;
      }
    }
    const encoded = textEncoder.encode(value);
    this.strHeader(encoded.byteLength);
    this.ensure(encoded.byteLength);
    this.buf.set(encoded, this.pos);
    this.pos += encoded.byteLength;
  }

  bin(value: Uint8Array): void {
    const n = value.byteLength;
    this.ensure(5 + n);
    if (n < 0x100) {
      this.buf[this.pos++] = 0xc4;
      this.buf[this.pos++] = n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xc5;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xc6;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
    this.buf.set(value, this.pos);
    this.pos += n;
  }

  arrayHeader(length: number): void {
    this.ensure(5);
    if (length < 16) {
      this.buf[this.pos++] = 0x90 | length;
    } else if (length < 0x10000) {
      this.buf[this.pos++] = 0xdc;
      this.view.setUint16(this.pos, length);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdd;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
  }

  mapHeader(size: number): void {
    this.ensure(5);
    if (size < 16) {
      this.buf[this.pos++] = 0x80 | size;
    } else if (size < 0x10000) {
      this.buf[this.pos++] = 0xde;
      this.view.setUint16(this.pos, size);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdf;
      this.view.setUint32(this.pos, size);
      this.pos += 4;
    }
  }

  /** Appends bytes that are already MessagePack. */
  raw(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    this.ensure(n);
    if (n <= 32) {
      // A field name: a loop beats the native call of `set` at this size.
      const b = this.buf;
      let pos = this.pos;
      for (let i = 0; i < n; i++) b[pos++] = bytes[i]!;
      this.pos = pos;
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  private strHeader(bytes: number): void {
    this.ensure(5);
    if (bytes < 32) {
      this.buf[this.pos++] = 0xa0 | bytes;
    } else if (bytes < 0x100) {
      this.buf[this.pos++] = 0xd9;
      this.buf[this.pos++] = bytes;
    } else if (bytes < 0x10000) {
      this.buf[this.pos++] = 0xda;
      this.view.setUint16(this.pos, bytes);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, bytes);
      this.pos += 4;
    }
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

const textEncoder = new TextEncoder();

/**
 * Small frames are cut from a shared slab rather than given an ArrayBuffer
 * each (as Node pools small Buffers): an ArrayBuffer per request was a
 * steady share of the allocation and GC work. A slab is never written again
 * once cut, so a socket holding a frame is safe; it is freed when its last
 * frame is.
 */
const slabBytes = 64 * 1024;
const maxSlabFrameBytes = 4 * 1024;
let slab = new Uint8Array(slabBytes);
let slabUsed = 0;

function carveFrame(bytes: number): Uint8Array {
  if (bytes > maxSlabFrameBytes) return new Uint8Array(bytes);
  if (slabUsed + bytes > slabBytes) {
    slab = new Uint8Array(slabBytes);
    slabUsed = 0;
  }
  const frame = slab.subarray(slabUsed, slabUsed + bytes);
  // 8-byte aligned, like Node's pool: typed-array views of a frame stay possible.
  slabUsed = (slabUsed + bytes + 7) & ~7;
  return frame;
}
