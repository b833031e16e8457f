import { create, ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

// Random messages of any schema, built through protobuf-es's create() so they
// are exactly what an application holds: every field kind, unset and zero
// values of explicit-presence fields, unknown enum numbers, extreme integers,
// -0 / infinities (and NaN when asked), non-ASCII strings.

/** Generation options. */
export interface ArbitraryOptions {
  /** How deep nested messages go. */
  depth: number;
  /** Include NaN among doubles and floats (protobuf-es' equals() never finds NaN equal). */
  nan: boolean;
}

const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

/** A random message of `desc`. */
export function arbitraryMessage<Desc extends DescMessage>(desc: Desc, options: ArbitraryOptions): fc.Arbitrary<MessageShape<Desc>> {
  return initArbitrary(desc, options.depth, options).map((init) => create(desc, init as never));
}

function initArbitrary(desc: DescMessage, depth: number, o: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const cases = member.fields
        .filter((f) => f.fieldKind !== "message" || depth > 0)
        .map((f) => fieldValue(f, depth, o).map((value) => ({ case: f.localName, value })));
      parts[member.localName] = fc.oneof(fc.constant({ case: undefined }), ...cases);
      continue;
    }
    const value = member.fieldKind === "message" && depth <= 0 && member.presence !== LEGACY_REQUIRED ? fc.constant(undefined) : fieldValue(member, depth, o);
    // Explicit presence: absent, or present (possibly with its zero value).
    parts[member.localName] =
      member.presence === IMPLICIT || member.presence === LEGACY_REQUIRED ? value : fc.option(value, { nil: undefined, freq: 3 });
  }
  return fc.record(parts);
}

function fieldValue(f: DescField, depth: number, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case "scalar":
      return scalarValue(f.scalar, f.longAsString, o);
    case "enum":
      return enumValue(f.enum.values.map((v) => v.number));
    case "message":
      // protobuf-es holds a singular wrapper field as its bare value.
      if (isWrapperDesc(f.message) && !f.oneof) {
        const inner = f.message.fields[0]!;
        if (inner.fieldKind === "scalar") return scalarValue(inner.scalar, false, o);
      }
      return messageValue(f.message, f.parent, depth, o);
    case "list": {
      const item =
        f.listKind === "scalar" ? scalarValue(f.scalar, f.longAsString, o) : f.listKind === "enum" ? enumValue(f.enum.values.map((v) => v.number)) : depth > 0 ? messageValue(f.message, f.parent, depth, o) : undefined;
      return item ? fc.array(item, { maxLength: depth > 0 ? 3 : 5 }) : fc.constant([]);
    }
    case "map": {
      const value =
        f.mapKind === "scalar" ? scalarValue(f.scalar, false, o) : f.mapKind === "enum" ? enumValue(f.enum.values.map((v) => v.number)) : depth > 0 ? messageValue(f.message, f.parent, depth, o) : undefined;
      if (!value) return fc.constant({});
      return fc.array(fc.tuple(scalarValue(f.mapKey, false, o), value), { maxLength: 3 }).map((entries) => {
        const map: Record<string, unknown> = {};
        for (const [k, v] of entries) map[String(k)] = v;
        return map;
      });
    }
  }
}

function messageValue(desc: DescMessage, parent: DescMessage, depth: number, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  // protobuf-es holds a Struct field (outside Value) as a JsonObject.
  if (desc.typeName === "google.protobuf.Struct" && parent.typeName !== "google.protobuf.Value") return jsonObject(depth);
  return initArbitrary(desc, depth - 1, o);
}

function enumValue(known: number[]): fc.Arbitrary<number> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) });
}

function scalarValue(type: ScalarType, longAsString: boolean, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const long = (range: { min: bigint; max: bigint }) => {
    const n = fc.oneof(fc.bigInt(range), fc.constantFrom(range.min, range.max, 0n, -1n < range.min ? 1n : -1n));
    return longAsString ? n.map(String) : n;
  };
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double({ noNaN: !o.nan }), fc.constantFrom(0, -0));
    case ScalarType.FLOAT:
      return fc.oneof(fc.float({ noNaN: !o.nan }), fc.constantFrom(0, -0));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 2 ** 32 - 1));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(INT64);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(UINT64);
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 }), fc.constant(""));
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 });
  }
}

function jsonObject(depth: number): fc.Arbitrary<JsonObject> {
  const { value } = fc.letrec<{ value: JsonValue; object: JsonObject }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: depth },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true }),
      fc.string({ maxLength: 6 }),
      fc.array(tie("value"), { maxLength: 3 }),
      tie("object"),
    ),
    object: fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 3 }),
  }));
  return fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 3 });
}
