import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { toRequestMessage } from "../validation/request-message.js";
import { scalarMethods } from "./scalar-methods.js";

// google.protobuf.FeatureSet.FieldPresence, as protobuf-es defines it.
const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;

/** A message as the codec handles it: protobuf-es's plain object, read by field name. */
export type AnyMessage = Record<string, any>;

/** How to read and write one message type, compiled once from its descriptor. */
export interface MessagePlan {
  readonly desc: DescMessage;
  /** Fields in ascending number order: the order protobuf-es writes them in. */
  readonly fields: FieldPlan[];
  /** Fields by number (a sparse array). */
  readonly byNumber: (FieldPlan | undefined)[];
  /** A new zero message, equal to `create(desc)`. */
  readonly create: () => AnyMessage;
}

/** One field, with everything the hot path would otherwise look up in the descriptor. */
export interface FieldPlan {
  /** For error messages only. */
  readonly field: DescField;
  readonly no: number;
  readonly name: string;
  /** The oneof's property name, for members of a oneof. */
  readonly oneof: string | undefined;
  readonly kind: DescField["fieldKind"];
  /** What the field, list item or map value is. */
  readonly item: "scalar" | "enum" | "message";
  /** Its scalar type (INT32 for enums) and the reader / writer method for it. */
  readonly scalar: ScalarType;
  readonly method: string;
  readonly mapKey: ScalarType;
  /** The tag of each value: singular fields, unpacked list items, messages, map values. */
  readonly tag: number;
  /** The length-delimited tag: packed lists and map entries. */
  readonly ldTag: number;
  /** Singular non-oneof field whose presence is its own property (proto3 optional, proto2, editions). */
  readonly explicit: boolean;
  readonly required: boolean;
  readonly packed: boolean;
  /** A message written as a group. */
  readonly delimited: boolean;
  /** A 64-bit integer field the message holds as a string (`jstype = JS_STRING`). */
  readonly longAsString: boolean;
  readonly utf8: boolean;
  /** The zero value of an enum: its first value. */
  readonly enumZero: number;
  /** The known values of a closed (proto2) enum; undefined for open enums. */
  readonly closedEnum: ReadonlySet<number> | undefined;
  readonly message: MessagePlan | undefined;
  /** A singular wrapper field, which protobuf-es holds as the bare scalar. */
  readonly wrap: boolean;
  /** A Struct field outside google.protobuf.Value, which protobuf-es holds as a JsonObject. */
  readonly json: boolean;
}

// The union of DescField's variants, read uniformly.
interface AnyField {
  listKind?: FieldPlan["item"];
  mapKind?: FieldPlan["item"];
  scalar?: ScalarType;
  mapKey?: ScalarType;
  enum?: DescEnum;
  message?: DescMessage;
  delimitedEncoding?: boolean;
  packed?: boolean;
  longAsString?: boolean;
}

const plans = new WeakMap<DescMessage, MessagePlan>();
const noInit = {};

/** The compiled plan of a message type; compiled on first use, then cached per descriptor. */
export function messagePlan(desc: DescMessage): MessagePlan {
  let plan = plans.get(desc);
  if (plan) return plan;
  const fields: FieldPlan[] = [];
  const byNumber: (FieldPlan | undefined)[] = [];
  // Registered before its fields compile, so recursive types find it.
  plan = { desc, fields, byNumber, create: () => toRequestMessage(desc, noInit) as AnyMessage };
  plans.set(desc, plan);
  for (const f of [...desc.fields].sort((a, b) => a.number - b.number)) fields.push((byNumber[f.number] = fieldPlan(f)));
  return plan;
}

function fieldPlan(f: DescField): FieldPlan {
  const { fieldKind: kind, number: no } = f;
  const d = f as AnyField;
  const item = d.listKind ?? d.mapKind ?? (kind === "enum" || kind === "message" ? kind : "scalar");
  const scalar = d.scalar ?? ScalarType.INT32;
  const delimited = d.delimitedEncoding === true;
  const wire = item === "message" ? (delimited ? WireType.StartGroup : WireType.LengthDelimited) : scalarWireType(scalar);
  const { enum: enumDesc, message } = d;
  return {
    field: f,
    no,
    name: f.localName,
    oneof: f.oneof?.localName,
    kind,
    item,
    scalar,
    method: scalarMethods[scalar],
    mapKey: d.mapKey ?? ScalarType.STRING,
    tag: ((no << 3) | wire) >>> 0,
    ldTag: ((no << 3) | WireType.LengthDelimited) >>> 0,
    explicit: !f.oneof && f.presence !== IMPLICIT && kind !== "list" && kind !== "map",
    required: f.presence === LEGACY_REQUIRED,
    packed: d.packed === true,
    delimited,
    longAsString: d.longAsString === true && /64/.test(scalarMethods[scalar]), // the 64-bit integer types
    utf8: f.utf8Validation,
    enumZero: enumDesc?.values[0]?.number ?? 0,
    closedEnum: enumDesc && !enumDesc.open && kind === "enum" ? new Set(enumDesc.values.map((v) => v.number)) : undefined,
    message: message && messagePlan(message),
    wrap: kind === "message" && !f.oneof && isWrapperDesc(message!),
    json: message?.typeName === "google.protobuf.Struct" && f.parent.typeName !== "google.protobuf.Value",
  };
}

/** The wire type a scalar is written with. */
export function scalarWireType(type: ScalarType): WireType {
  switch (type) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

// google.protobuf's wrapper messages (DoubleValue ... BytesValue), which protobuf-es
// represents by their unwrapped value.
const WRAPPER_TYPE_NAMES = new Set(["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((t) => `google.protobuf.${t}Value`));

/**
 * protobuf-es's `isWrapperDesc`, here so the codec does not import
 * `@bufbuild/protobuf/wkt`: that module's index builds the descriptors of
 * every well-known type, which a bundle that loads the HTTP stack lazily
 * would then build at import (esbuild keeps a lazily imported module's
 * dependencies whole).
 */
function isWrapperDesc(message: DescMessage): boolean {
  const f = message.fields[0];
  return WRAPPER_TYPE_NAMES.has(message.typeName) && f !== undefined && f.fieldKind === "scalar" && f.name === "value" && f.number === 1;
}
