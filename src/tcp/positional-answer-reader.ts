import { ScalarType, type DescEnum, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { toRequestMessage } from "../validation/request-message.js";

/**
 * Reads the common shape of an answer, `{ "<Variant>Ok": [field1, ...] }`
 * with every struct positional and exactly as many fields as the message
 * declares, straight from the MessagePack bytes into the message: no
 * msgpackr object tree, tagged-value record or field-init object in between
 * (they were most of an answer's garbage).
 *
 * Anything else (an `Error` answer, named structs, extra fields, map fields,
 * bytes, text that is not ASCII, a value of an unexpected type, an unknown
 * enum name) is declined
 * with `undefined`, and the caller decodes the frame the general way
 * (msgpackr, then `readMessage`), which accepts every legal shape and
 * produces the precise error for an illegal one. So this reader only has to
 * agree with the general path on what it accepts.
 *
 * Call it after `checkMsgpackBounds` passed on the payload: lengths are
 * then known to lie within it.
 */
export function readPositionalAnswer<Desc extends DescMessage>(
  payload: Uint8Array,
  variantKey: Uint8Array,
  desc: Desc,
): MessageShape<Desc> | undefined {
  // A one-entry map whose key is the variant, byte for byte.
  if (payload[0] !== 0x81) return undefined;
  const n = variantKey.byteLength;
  if (payload.byteLength < 1 + n) return undefined;
  for (let i = 0; i < n; i++) if (payload[1 + i] !== variantKey[i]) return undefined;
  reader.bytes = payload;
  reader.dataView = undefined;
  reader.pos = 1 + n;
  try {
    const message = reader.message(desc);
    return reader.pos === payload.byteLength ? (message as MessageShape<Desc>) : undefined;
  } catch (e) {
    if (e === declined) return undefined;
    throw e;
  } finally {
    reader.bytes = empty;
    reader.dataView = undefined;
  }
}

/** Thrown inside the reader for a shape it leaves to the general decoder. */
const declined = new Error("declined");
const empty = new Uint8Array(0);
const noInit = {};

/** Enum value numbers by name, per enum. */
const enumNumbers = new WeakMap<DescEnum, Map<string, number>>();

function enumNumber(desc: DescEnum, name: string): number | undefined {
  let byName = enumNumbers.get(desc);
  if (byName === undefined) {
    byName = new Map(desc.values.map((v) => [v.name, v.number]));
    enumNumbers.set(desc, byName);
  }
  return byName.get(name);
}

class Reader {
  bytes: Uint8Array = empty;
  pos = 0;
  dataView: DataView | undefined = undefined;

  message(desc: DescMessage): Record<string, unknown> {
    const fields = desc.fields;
    if (this.arrayLength() !== fields.length) throw declined;
    // A zero message, as create(desc) makes it; fields that arrive replace their zero.
    const m = toRequestMessage(desc, noInit as never) as Record<string, unknown>;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      if (this.bytes[this.pos] === 0xc0) {
        this.pos++; // nil: Option::None, the protobuf default
        continue;
      }
      m[field.localName] = this.field(field);
    }
    return m;
  }

  private field(field: DescField): unknown {
    switch (field.fieldKind) {
      case "scalar":
        return this.scalar(field.scalar);
      case "enum":
        return this.enumValue(field.enum);
      case "message":
        return this.message(field.message);
      case "list": {
        const length = this.arrayLength();
        const out = new Array<unknown>(length);
        for (let i = 0; i < length; i++) {
          if (field.listKind === "scalar") out[i] = this.scalar(field.scalar);
          else if (field.listKind === "enum") out[i] = this.enumValue(field.enum);
          else out[i] = this.message(field.message);
        }
        return out;
      }
      default:
        throw declined; // maps: the general path
    }
  }

  private arrayLength(): number {
    const b = this.bytes[this.pos]!;
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) {
      const n = (this.bytes[this.pos + 1]! << 8) | this.bytes[this.pos + 2]!;
      this.pos += 3;
      return n;
    }
    if (b === 0xdd) {
      const n = this.uint32(this.pos + 1);
      this.pos += 5;
      return n;
    }
    throw declined;
  }

  private enumValue(desc: DescEnum): number {
    if (isStr(this.bytes[this.pos]!)) {
      const number = enumNumber(desc, this.str());
      if (number === undefined) throw declined;
      return number;
    }
    const n = this.integer();
    if (typeof n !== "number") throw declined;
    return n;
  }

  private scalar(type: ScalarType): unknown {
    const b = this.bytes[this.pos]!;
    switch (type) {
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT: {
        if (b === 0xcb) {
          const v = this.view().getFloat64(this.pos + 1);
          this.pos += 9;
          return v;
        }
        if (b === 0xca) {
          const v = this.view().getFloat32(this.pos + 1);
          this.pos += 5;
          return v;
        }
        const n = this.integer();
        return typeof n === "bigint" ? Number(n) : n;
      }
      case ScalarType.BOOL:
        if (b === 0xc2 || b === 0xc3) {
          this.pos++;
          return b === 0xc3;
        }
        throw declined;
      case ScalarType.STRING:
        if (!isStr(b)) throw declined;
        return this.str();
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64: {
        const n = this.integer();
        const big = typeof n === "bigint" ? n : BigInt(n);
        if ((type === ScalarType.UINT64 || type === ScalarType.FIXED64) && big < 0n) throw declined;
        return big;
      }
      case ScalarType.BYTES:
        throw declined;
      default: {
        // 32-bit integers, in range.
        const n = this.integer();
        const v = typeof n === "bigint" ? Number(n) : n;
        const unsigned = type === ScalarType.UINT32 || type === ScalarType.FIXED32;
        if (unsigned ? v < 0 || v > 0xffffffff : v < -0x80000000 || v > 0x7fffffff) throw declined;
        return v;
      }
    }
  }

  /** An integer marker: a number, or a bigint for the 64-bit markers (as msgpackr's `int64AsType: "bigint"`). */
  private integer(): number | bigint {
    const bytes = this.bytes;
    const b = bytes[this.pos]!;
    if (b <= 0x7f) {
      this.pos++;
      return b;
    }
    if (b >= 0xe0) {
      this.pos++;
      return b - 0x100;
    }
    const p = this.pos + 1;
    switch (b) {
      case 0xcc:
        this.pos += 2;
        return bytes[p]!;
      case 0xcd:
        this.pos += 3;
        return (bytes[p]! << 8) | bytes[p + 1]!;
      case 0xce:
        this.pos += 5;
        return this.uint32(p);
      case 0xcf:
        this.pos += 9;
        return this.view().getBigUint64(p);
      case 0xd0:
        this.pos += 2;
        return (bytes[p]! << 24) >> 24;
      case 0xd1:
        this.pos += 3;
        return (((bytes[p]! << 8) | bytes[p + 1]!) << 16) >> 16;
      case 0xd2:
        this.pos += 5;
        return this.uint32(p) | 0;
      case 0xd3:
        this.pos += 9;
        return this.view().getBigInt64(p);
      default:
        throw declined;
    }
  }

  private str(): string {
    const bytes = this.bytes;
    const b = bytes[this.pos]!;
    let length: number;
    if (b >= 0xa0 && b <= 0xbf) {
      length = b & 0x1f;
      this.pos += 1;
    } else if (b === 0xd9) {
      length = bytes[this.pos + 1]!;
      this.pos += 2;
    } else if (b === 0xda) {
      length = (bytes[this.pos + 1]! << 8) | bytes[this.pos + 2]!;
      this.pos += 3;
    } else {
      length = this.uint32(this.pos + 1);
      this.pos += 5;
    }
    const start = this.pos;
    this.pos += length;
    // ASCII only (ids, names, enum values): other text, valid or not, is decoded by msgpackr on the general path.
    let s = "";
    for (let i = start; i < start + length; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) throw declined;
      s += String.fromCharCode(c);
    }
    return s;
  }

  private uint32(at: number): number {
    const bytes = this.bytes;
    return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
  }

  /** A DataView of the payload, made once per answer and only if a float or 64-bit integer needs it. */
  private view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }
}

function isStr(b: number): boolean {
  return (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
}

/** One reader for every answer: reading is synchronous. */
const reader = new Reader();
