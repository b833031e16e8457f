import { protoInt64 } from "@bufbuild/protobuf";

const encoder = /*@__PURE__*/ new TextEncoder();

/**
 * Protobuf wire values written straight into one growing buffer. It exists
 * because protobuf-es's BinaryWriter allocates per value (a chunk per double,
 * string and nested message); here a nested message reserves one byte for its
 * length and is moved only when it turns out longer than 127 bytes. Values are
 * checked as BinaryWriter checks them: an int32 out of range (or not an
 * integer) throws, and so on. Method names are the ScalarType's, as on
 * protobuf-es's BinaryReader.
 */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  /** The bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Bytes written so far (headroom included). */
  get length(): number {
    return this.pos;
  }

  /**
   * Empties the writer for the next message, with `headroom` bytes left at
   * the front for a header written later (a gRPC envelope's). A buffer grown
   * past `keepBytes` by a large message is dropped rather than kept for good.
   */
  reset(headroom = 0, keepBytes = 65536): void {
    if (this.buf.length > keepBytes) {
      this.buf = new Uint8Array(256);
      this.view = new DataView(this.buf.buffer);
    }
    this.pos = 0;
    this.room(headroom);
    this.pos = headroom;
  }

  /** Copies the bytes written (headroom included) to the start of `out`, which must hold {@link ByteWriter.length} bytes. */
  copyTo(out: Uint8Array): void {
    out.set(this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos));
  }

  /** Starts a length-delimited value; returns where, for {@link join}. */
  fork(): number {
    this.room(1);
    return this.pos++;
  }

  /** Ends the length-delimited value started at `at`: writes its length in the byte reserved for it, moving the value when the length needs more. */
  join(at: number): void {
    let length = this.pos - at - 1;
    let size = 1;
    for (let n = length; n > 0x7f; n >>>= 7) size++;
    if (size > 1) {
      this.room(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    const buf = this.buf;
    for (; length > 0x7f; length >>>= 7) buf[at++] = (length & 0x7f) | 0x80;
    buf[at] = length;
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A tag (or any trusted uint32). */
  tag(tag: number): void {
    this.varint(tag, 0);
  }

  uint32(value: number): void {
    this.varint(checkInt(value, 0, 0xffffffff, "uint32"), 0);
  }

  int32(value: number): void {
    const v = checkInt(value, -0x80000000, 0x7fffffff, "int32");
    this.varint(v, v < 0 ? -1 : 0);
  }

  sint32(value: number): void {
    const v = checkInt(value, -0x80000000, 0x7fffffff, "sint32");
    this.varint((v << 1) ^ (v >> 31), 0);
  }

  bool(value: boolean): void {
    this.room(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  float(value: number): void {
    // As BinaryWriter: a number (or numeric string, or "NaN") within float32's range, or an infinity.
    const v = typeof value === "string" ? Number(value) : value;
    if (typeof v !== "number" || (Number.isNaN(v) && typeof value === "string" && value !== "NaN") || (Number.isFinite(v) && Math.abs(v) > 3.4028234663852886e38)) {
      throw new Error(`invalid float32: ${String(value)}`);
    }
    this.room(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  fixed32(value: number): void {
    this.fixed(checkInt(value, 0, 0xffffffff, "uint32"), 0, 4);
  }

  sfixed32(value: number): void {
    this.fixed(checkInt(value, -0x80000000, 0x7fffffff, "int32"), 0, 4);
  }

  int64(value: bigint | string): void {
    const { lo, hi } = protoInt64.enc(value);
    this.varint(lo, hi);
  }

  uint64(value: bigint | string): void {
    const { lo, hi } = protoInt64.uEnc(value);
    this.varint(lo, hi);
  }

  sint64(value: bigint | string): void {
    const { lo, hi } = protoInt64.enc(value);
    const sign = hi >> 31;
    this.varint((lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign);
  }

  fixed64(value: bigint | string): void {
    const { lo, hi } = protoInt64.uEnc(value);
    this.fixed(lo, hi, 8);
  }

  sfixed64(value: bigint | string): void {
    const { lo, hi } = protoInt64.enc(value);
    this.fixed(lo, hi, 8);
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.byteLength);
    this.raw(value);
  }

  string(value: string): void {
    // What TextEncoder makes of a non-string, as BinaryWriter.string does.
    const s = value === undefined ? "" : String(value);
    const at = this.fork();
    this.room(s.length * 3);
    const buf = this.buf;
    let pos = this.pos;
    let i = 0;
    for (let c; i < s.length && (c = s.charCodeAt(i)) < 0x80; i++) buf[pos++] = c;
    if (i < s.length) pos += encoder.encodeInto(s.slice(i), buf.subarray(pos)).written;
    this.pos = pos;
    this.join(at);
  }

  /** A varint of up to 64 bits, from its low and high 32 bits. */
  private varint(lo: number, hi: number): void {
    this.room(10);
    const buf = this.buf;
    lo >>>= 0;
    hi >>>= 0;
    while (hi > 0 || lo > 0x7f) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  private fixed(lo: number, hi: number, size: 4 | 8): void {
    this.room(size);
    this.view.setInt32(this.pos, lo, true);
    if (size === 8) this.view.setInt32(this.pos + 4, hi, true);
    this.pos += size;
  }

  /** Makes room for `n` more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** An integer in [min, max], as protobuf-es's writer accepts it (a numeric string too). */
function checkInt(value: unknown, min: number, max: number, type: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new Error(`invalid ${type}: ${String(value)}`);
  return n;
}
