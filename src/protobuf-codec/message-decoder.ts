import { ScalarType, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { BinaryReader, getTextEncoding, WireType } from "@bufbuild/protobuf/wire";
import { ByteWriter } from "./byte-writer.js";
import { scalarMethods } from "./scalar-methods.js";
import { messagePlan, type AnyMessage, type FieldPlan, type MessagePlan } from "./schema-plan.js";
import { structFromJson, structToJson } from "./struct-json.js";

/** How deep messages may nest, as in protobuf-es. */
const MAX_DEPTH = 100;

/**
 * Parses the protobuf binary format into a message equal to protobuf-es's
 * `fromBinary(desc, bytes)`: defaults for absent fields, the last value of a
 * singular field, repeated occurrences of a message field merged, packed and
 * unpacked repeated scalars both accepted, unknown fields kept in `$unknown`.
 * Extensions are kept as unknown fields. Throws on malformed input, more
 * strictly than protobuf-es: a value running past the end of its enclosing
 * message (a truncated varint, say) is an error, not a silent misread.
 */
export function decodeMessage<Desc extends DescMessage>(desc: Desc, bytes: Uint8Array): MessageShape<Desc> {
  const plan = messagePlan(desc);
  const message = plan.create();
  readFields(plan, new BinaryReader(bytes), message, bytes.byteLength, 0, 1);
  return message as MessageShape<Desc>;
}

/** Reads fields into `m` up to `end`, or up to the end-group tag of field `group` (when not 0). */
function readFields(plan: MessagePlan, r: BinaryReader, m: AnyMessage, end: number, group: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`cannot decode ${plan.desc.typeName} from binary: maximum recursion depth of ${MAX_DEPTH} reached`);
  while (r.pos < end) {
    const [no, wireType] = r.tag();
    if (wireType === WireType.EndGroup) {
      if (no !== group) throw new Error("invalid end group tag");
      return;
    }
    const f = plan.byNumber[no];
    if (f === undefined) {
      const data = r.skip(wireType, no, MAX_DEPTH - depth);
      (m.$unknown ??= []).push({ no, wireType, data });
      continue;
    }
    switch (f.kind) {
      case "scalar":
        set(m, f, readValue(r, f));
        break;
      case "enum": {
        const v = r.int32();
        if (!f.closedEnum || f.closedEnum.has(v)) set(m, f, v);
        // A closed enum keeps a value it does not know as an unknown field.
        else (m.$unknown ??= []).push({ no, wireType, data: varintBytes(v) });
        break;
      }
      case "message": {
        const o = f.oneof ? m[f.oneof] : undefined;
        const prev = o ? (o.case === f.name ? o.value : undefined) : m[f.name];
        // A repeated occurrence merges into the message read before.
        let target: AnyMessage;
        if (prev === undefined) target = f.message!.create();
        else if (f.wrap) (target = f.message!.create()).value = prev;
        else target = f.json ? structFromJson(prev) : prev;
        readMessage(f, r, target, depth);
        set(m, f, f.wrap ? target.value : f.json ? structToJson(target) : target);
        break;
      }
      case "list": {
        const list = m[f.name] as unknown[];
        if (f.item === "message") {
          const item = f.message!.create();
          readMessage(f, r, item, depth);
          list.push(f.json ? structToJson(item) : item);
        } else if (wireType === WireType.LengthDelimited && f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES) {
          const packedEnd = r.uint32() + r.pos;
          while (r.pos < packedEnd) list.push(readValue(r, f));
          if (r.pos !== packedEnd) throw new RangeError("premature end of packed field");
        } else {
          list.push(readValue(r, f));
        }
        break;
      }
      case "map":
        readMapEntry(f, r, m[f.name], depth);
        break;
    }
  }
  if (group) throw new Error("invalid end group tag");
  if (r.pos !== end) throw new RangeError("premature EOF");
}

function readMessage(f: FieldPlan, r: BinaryReader, target: AnyMessage, depth: number): void {
  if (f.delimited) readFields(f.message!, r, target, r.len, f.no, depth + 1);
  else {
    const length = r.uint32();
    readFields(f.message!, r, target, r.pos + length, 0, depth + 1);
  }
}

/** One map entry: key 1, value 2; a missing key or value is its zero value, as in protobuf-es. */
function readMapEntry(f: FieldPlan, r: BinaryReader, map: AnyMessage, depth: number): void {
  const end = r.uint32() + r.pos;
  let key: unknown;
  let value: unknown;
  while (r.pos < end) {
    const [no, wireType] = r.tag();
    if (no === 1) key = readScalar(r, scalarMethods[f.mapKey], f.utf8);
    else if (no === 2) {
      if (f.item === "message") readFields(f.message!, r, (value = f.message!.create()) as AnyMessage, r.uint32() + r.pos, 0, depth + 1);
      else value = readScalar(r, f.method, f.utf8);
    } else r.skip(wireType, no, MAX_DEPTH - depth);
  }
  if (r.pos !== end) throw new RangeError("premature end of map entry");
  key ??= scalarZeroValue(f.mapKey, false);
  value ??= f.item === "message" ? f.message!.create() : f.item === "enum" ? f.enumZero : scalarZeroValue(f.scalar, false);
  map[typeof key === "string" || typeof key === "number" ? key : String(key)] = f.json ? structToJson(value as AnyMessage) : value;
}

function readValue(r: BinaryReader, f: FieldPlan): unknown {
  const v = readScalar(r, f.method, f.utf8);
  return f.longAsString ? String(v) : v;
}

/** Reads one scalar with the reader's method of that name; `utf8`: reject invalid UTF-8 in strings. */
function readScalar(r: BinaryReader, method: string, utf8: boolean): unknown {
  if (method === "string") return readString(r.bytes(), utf8);
  return (r as unknown as Record<string, () => unknown>)[method]!();
}

/**
 * A string: short ASCII ones (ids, names, platforms) built here, since a
 * TextDecoder call costs more than the loop; anything else through the
 * TextDecoder protobuf-es uses, which rejects invalid UTF-8 when `utf8`.
 * Built in one `fromCharCode` call once the bytes are known to be ASCII, not
 * a character at a time: that made a string per character.
 */
function readString(bytes: Uint8Array, utf8: boolean): string {
  if (bytes.length <= 64) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return getTextEncoding().decodeUtf8(bytes, utf8);
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return getTextEncoding().decodeUtf8(bytes, utf8);
}

function varintBytes(v: number): Uint8Array {
  const w = new ByteWriter();
  w.int32(v);
  return w.finish();
}

function set(m: AnyMessage, f: FieldPlan, value: unknown): void {
  if (f.oneof) m[f.oneof] = { case: f.name, value };
  else m[f.name] = value;
}
