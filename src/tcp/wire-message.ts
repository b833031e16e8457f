import { ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { toRequestMessage } from "../validation/request-message.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { TcpProtocolError, describeWireValue } from "./protocol-error.js";

/**
 * Descriptor-driven mapping between protobuf-es messages and the serde
 * shapes of docs/wire-protocol.md (raw TCP). One piece of code serves the client and
 * the reference server, because the field rules are the same both ways:
 *
 * - structs are positional arrays in declaration order (how rmp-serde writes
 *   responses, and how requests are sent by default) or named maps
 *   (`{ snake_case_name: value }`, the contract's request form, sent on
 *   request); a reader accepts both, as serde does;
 * - `float` is MessagePack float32, `double` float64;
 * - 64-bit integers are `bigint` in the message, never rounded;
 * - enums are their value name (`"SUCCESS"`);
 * - `map<string,string>` is a MessagePack map; `repeated` an array;
 * - nil reads as the field's default (serde's `Option::None`).
 *
 * Field order is the `.proto` declaration order, which matches the tables of
 * docs/wire-protocol.md by construction (the protos are written from them).
 */

/** How a struct is laid out on the wire. */
export type StructLayout = "named" | "positional";

/** Writes a message as a serde struct (a named map or a positional array). */
export function writeMessage(
  w: MsgpackWriter,
  desc: DescMessage,
  message: MessageShape<DescMessage>,
  layout: StructLayout,
): void {
  const fields = desc.fields;
  const record = message as unknown as Record<string, unknown>;
  if (layout === "named") {
    w.mapHeader(fields.length);
    const keys = encodedFieldNames(desc);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      w.raw(keys[i]!);
      writeField(w, field, record[field.localName], layout);
    }
    return;
  }
  w.arrayHeader(fields.length);
  for (const field of fields) writeField(w, field, record[field.localName], layout);
}

/** Each message's field names as MessagePack strings, encoded once: a named struct writes them on every request. */
const fieldNameCache = new WeakMap<DescMessage, readonly Uint8Array[]>();

function encodedFieldNames(desc: DescMessage): readonly Uint8Array[] {
  let keys = fieldNameCache.get(desc);
  if (keys === undefined) {
    keys = desc.fields.map((field) => {
      const k = new MsgpackWriter(false, 8 + field.name.length * 3);
      k.str(field.name);
      return k.finish().slice();
    });
    fieldNameCache.set(desc, keys);
  }
  return keys;
}

function writeField(w: MsgpackWriter, field: DescField, value: unknown, layout: StructLayout): void {
  switch (field.fieldKind) {
    case "scalar":
      writeScalar(w, field.scalar, value);
      return;
    case "enum":
      writeEnum(w, field, value as number);
      return;
    case "message":
      if (value === undefined) w.nil();
      else writeMessage(w, field.message, value as MessageShape<DescMessage>, layout);
      return;
    case "list": {
      const list = value as unknown[];
      w.arrayHeader(list.length);
      for (const item of list) {
        if (field.listKind === "scalar") writeScalar(w, field.scalar, item);
        else if (field.listKind === "enum") writeEnum(w, field, item as number);
        else writeMessage(w, field.message, item as MessageShape<DescMessage>, layout);
      }
      return;
    }
    case "map": {
      const map = value as Record<string, unknown>;
      const keys = Object.keys(map);
      w.mapHeader(keys.length);
      for (const key of keys) {
        w.str(key);
        const item = map[key];
        if (field.mapKind === "scalar") writeScalar(w, field.scalar, item);
        else if (field.mapKind === "enum") writeEnum(w, field, item as number);
        else writeMessage(w, field.message, item as MessageShape<DescMessage>, layout);
      }
      return;
    }
  }
}

function writeEnum(w: MsgpackWriter, field: DescField, value: number): void {
  const name = field.enum?.value[value]?.name;
  if (name !== undefined) w.str(name);
  else w.int(value);
}

function writeScalar(w: MsgpackWriter, type: ScalarType, value: unknown): void {
  switch (type) {
    case ScalarType.DOUBLE:
      w.float64(value as number);
      return;
    case ScalarType.FLOAT:
      w.float32(value as number);
      return;
    case ScalarType.BOOL:
      w.bool(value as boolean);
      return;
    case ScalarType.STRING:
      w.str(value as string);
      return;
    case ScalarType.BYTES:
      w.bin(value as Uint8Array);
      return;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      // protobuf-es gives bigint, or a string with jstype=JS_STRING.
      w.int(typeof value === "string" ? BigInt(value) : (value as bigint | number));
      return;
    default:
      w.int(value as number);
  }
}

/**
 * Reads a serde struct (positional array or named map) into a message.
 * A positional array must carry at least every declared field (extra trailing
 * elements are ignored, for servers that append fields); a named map must
 * carry every field by its snake_case name (unknown keys are ignored, like
 * serde does). Wrong types raise a {@link TcpProtocolError} naming the path.
 */
export function readMessage<Desc extends DescMessage>(desc: Desc, value: unknown, path: string): MessageShape<Desc> {
  const fields = desc.fields;
  const init: Record<string, unknown> = {};
  if (Array.isArray(value)) {
    if (value.length < fields.length) {
      throw new TcpProtocolError(`${path}: expected ${fields.length} positional fields, got ${value.length}`);
    }
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      init[field.localName] = readField(field, value[i], path);
    }
  } else if (isPlainObject(value)) {
    for (const field of fields) {
      if (!Object.prototype.hasOwnProperty.call(value, field.name)) {
        throw new TcpProtocolError(`${path}: missing field ${field.name}`);
      }
      init[field.localName] = readField(field, value[field.name], path);
    }
  } else {
    throw new TcpProtocolError(`${path}: expected a struct (array or map), got ${describeWireValue(value)}`);
  }
  // The validation layer's compiled create(): protobuf-es' own is most of a small answer's decoding.
  return toRequestMessage(desc, init as never);
}

/**
 * Where a value sits, for error messages: built only when one is thrown (a
 * path per field and item was a string concatenation per value decoded).
 * `item` is a list index or a map key.
 */
function pathOf(parent: string, field: DescField, item?: number | string): string {
  const at = `${parent}.${field.name}`;
  return item === undefined ? at : typeof item === "number" ? `${at}[${item}]` : `${at}[${JSON.stringify(item)}]`;
}

function readField(field: DescField, value: unknown, parent: string): unknown {
  if (value === null || value === undefined) return undefined; // Option::None: protobuf default
  switch (field.fieldKind) {
    case "scalar":
      return readScalar(field.scalar, value, parent, field);
    case "enum":
      return readEnum(field, value, parent);
    case "message":
      return readMessage(field.message, value, pathOf(parent, field));
    case "list": {
      if (!Array.isArray(value)) throw new TcpProtocolError(`${pathOf(parent, field)}: expected an array, got ${describeWireValue(value)}`);
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        if (field.listKind === "scalar") out[i] = readScalar(field.scalar, value[i], parent, field, i);
        else if (field.listKind === "enum") out[i] = readEnum(field, value[i], parent, i);
        else out[i] = readMessage(field.message, value[i], pathOf(parent, field, i));
      }
      return out;
    }
    case "map": {
      if (!isPlainObject(value)) throw new TcpProtocolError(`${pathOf(parent, field)}: expected a map, got ${describeWireValue(value)}`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (field.mapKind === "scalar") out[key] = readScalar(field.scalar, value[key], parent, field, key);
        else if (field.mapKind === "enum") out[key] = readEnum(field, value[key], parent, key);
        else out[key] = readMessage(field.message, value[key], pathOf(parent, field, key));
      }
      return out;
    }
  }
}

function readEnum(field: DescField, value: unknown, parent: string, item?: number | string): number {
  const desc = field.enum!;
  if (typeof value === "string") {
    const v = desc.values.find((ev) => ev.name === value);
    if (!v) throw new TcpProtocolError(`${pathOf(parent, field, item)}: unknown ${desc.name} variant ${JSON.stringify(value)}`);
    return v.number;
  }
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new TcpProtocolError(`${pathOf(parent, field, item)}: expected a ${desc.name} variant name, got ${describeWireValue(value)}`);
}

function readScalar(type: ScalarType, value: unknown, parent: string, field: DescField, item?: number | string): unknown {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value === "number") return value;
      if (typeof value === "bigint") return Number(value);
      break;
    case ScalarType.BOOL:
      if (typeof value === "boolean") return value;
      break;
    case ScalarType.STRING:
      if (typeof value === "string") return value;
      break;
    case ScalarType.BYTES:
      if (value instanceof Uint8Array) return value;
      break;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64: {
      const unsigned = type === ScalarType.UINT64 || type === ScalarType.FIXED64;
      let big: bigint | undefined;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
      if (big !== undefined) {
        if (unsigned && big < 0n) throw new TcpProtocolError(`${pathOf(parent, field, item)}: expected an unsigned integer, got ${big}`);
        return big;
      }
      break;
    }
    default: {
      // 32-bit integers.
      const n = typeof value === "bigint" ? Number(value) : value;
      if (typeof n === "number" && Number.isInteger(n)) {
        const unsigned = type === ScalarType.UINT32 || type === ScalarType.FIXED32;
        const ok = unsigned ? n >= 0 && n <= 0xffffffff : n >= -0x80000000 && n <= 0x7fffffff;
        if (!ok) throw new TcpProtocolError(`${pathOf(parent, field, item)}: integer ${n} out of range for ${ScalarType[type].toLowerCase()}`);
        return n;
      }
    }
  }
  throw new TcpProtocolError(`${pathOf(parent, field, item)}: expected ${ScalarType[type].toLowerCase()}, got ${describeWireValue(value)}`);
}

/** True for a decoded MessagePack map (a plain object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
