import { create, fromBinary, ScalarType, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LearnConceptRequestSchema, VectorSearchRequestSchema } from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionRequestSchema, LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { decodeMessage, encodeMessage } from "../../src/protobuf-codec/index.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { expectDecodesLikeFromBinary, expectSameMessage, hex } from "./codec-assertions.js";
import { ChildSchema, EverythingSchema } from "./codec-schemas.js";

// Encodings other than the canonical one protobuf-es writes: repeated scalars
// packed where the schema says expanded and the reverse, and unknown fields
// anywhere. A decoder must take them all (the protobuf spec says so) and keep
// what it does not know.
const seed = 20_260_524;

/** Top-level fields of an encoding: number, wire type, and where the field (tag included) and its value start and end. */
function topLevelFields(bytes: Uint8Array) {
  const r = new BinaryReader(bytes);
  const fields: { no: number; wireType: WireType; start: number; valueStart: number; end: number }[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const [no, wireType] = r.tag();
    const valueStart = r.pos;
    r.skip(wireType, no);
    fields.push({ no, wireType, start, valueStart, end: r.pos });
  }
  return fields;
}

const isPackable = (desc: DescMessage, no: number) => {
  const f = desc.fields.find((x) => x.number === no);
  return f?.fieldKind === "list" && (f.listKind === "enum" || (f.listKind === "scalar" && f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES)) ? f : undefined;
};

/** Each packed list written item by item, each expanded item written as a packed list of one: both valid. */
function flipRepeatedEncoding(desc: DescMessage, bytes: Uint8Array): Uint8Array {
  const w = new BinaryWriter();
  for (const f of topLevelFields(bytes)) {
    const field = isPackable(desc, f.no);
    const raw = bytes.subarray(f.valueStart, f.end);
    if (!field) {
      w.raw(bytes.subarray(f.start, f.end));
    } else if (f.wireType === WireType.LengthDelimited) {
      // Items of the packed list, re-tagged one by one with the item's own wire type.
      const r = new BinaryReader(raw);
      r.uint32(); // the packed list's length
      const itemWire = itemWireType(field.listKind === "enum" ? ScalarType.INT32 : field.scalar);
      while (r.pos < r.len) {
        const at = r.pos;
        r.skip(itemWire, f.no);
        w.tag(f.no, itemWire).raw(raw.subarray(at, r.pos));
      }
    } else {
      w.tag(f.no, WireType.LengthDelimited).bytes(raw);
    }
  }
  return w.finish();
}

function itemWireType(scalar: ScalarType): WireType {
  if (scalar === ScalarType.DOUBLE || scalar === ScalarType.FIXED64 || scalar === ScalarType.SFIXED64) return WireType.Bit64;
  if (scalar === ScalarType.FLOAT || scalar === ScalarType.FIXED32 || scalar === ScalarType.SFIXED32) return WireType.Bit32;
  return WireType.Varint;
}

describe("repeated scalars are accepted packed and unpacked", () => {
  for (const desc of [LTVPredictionRequestSchema, LearnConceptRequestSchema, VectorSearchRequestSchema, EverythingSchema, ChildSchema]) {
    it(desc.typeName, () => {
      fc.assert(
        fc.property(arbitraryMessage(desc, { depth: 1, nan: false }), (message) => {
          const canonical = toBinary(desc, message);
          const flipped = flipRepeatedEncoding(desc, canonical);
          const ours = expectDecodesLikeFromBinary(desc, flipped);
          expectSameMessage(desc, ours, fromBinary(desc, canonical));
          // Written back, it is what protobuf-es writes (canonical, but for closed enums' unknown values, now unknown fields).
          expect(hex(encodeMessage(desc, ours))).toBe(hex(toBinary(desc, fromBinary(desc, canonical))));
        }),
        { seed, numRuns: desc === EverythingSchema ? 50 : 150 },
      );
    });
  }

  it("the flip really changes the encoding", () => {
    const message = create(EverythingSchema, { packedInt32: [1, 2], expandedInt32: [3, 4], requiredChild: {} });
    const canonical = toBinary(EverythingSchema, message);
    expect(hex(flipRepeatedEncoding(EverythingSchema, canonical))).not.toBe(hex(canonical));
  });
});

/** A field the schema does not know, with a valid value of its wire type. */
const unknownField = (knownNumbers: Set<number>) =>
  fc
    .record({
      no: fc.integer({ min: 1, max: 2 ** 29 - 1 }).filter((n) => !knownNumbers.has(n) && (n < 19000 || n > 19999)),
      kind: fc.constantFrom("varint", "fixed64", "bytes", "fixed32", "group"),
      n: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      bytes: fc.uint8Array({ maxLength: 6 }),
    })
    .map(({ no, kind, n, bytes }) => {
      const w = new BinaryWriter();
      if (kind === "varint") w.tag(no, WireType.Varint).uint64(n);
      else if (kind === "fixed64") w.tag(no, WireType.Bit64).fixed64(n);
      else if (kind === "bytes") w.tag(no, WireType.LengthDelimited).bytes(bytes);
      else if (kind === "fixed32") w.tag(no, WireType.Bit32).fixed32(Number(n & 0xffffffffn));
      else w.tag(no, WireType.StartGroup).tag(1, WireType.Varint).uint64(n).tag(2, WireType.LengthDelimited).bytes(bytes).tag(no, WireType.EndGroup);
      return w.finish();
    });

describe("unknown fields survive a round trip", () => {
  // Everything is left out: protobuf-es drops a closed enum's unknown value when
  // the same message also holds unknown fields (see the test below).
  for (const desc of [LTVPredictionRequestSchema, LTVPredictionResponseSchema, ChildSchema, ValueSchema]) {
    it(desc.typeName, () => {
      const known = new Set(desc.fields.map((f) => f.number));
      fc.assert(
        fc.property(
          arbitraryMessage(desc, { depth: 2, nan: false }),
          fc.array(fc.tuple(unknownField(known), fc.nat()), { minLength: 1, maxLength: 4 }),
          (message, picked) => {
            const canonical = toBinary(desc, message);
            const cuts = [0, ...topLevelFields(canonical).map((f) => f.end)];
            const unknowns = picked.map(([u, pick]) => [u, cuts[pick % cuts.length]!] as const).sort((a, b) => a[1] - b[1]);
            // Appended: the re-encoding is byte for byte the input.
            const appended = Buffer.concat([canonical, ...unknowns.map(([u]) => u)]);
            const ours = expectDecodesLikeFromBinary(desc, appended);
            expect(ours.$unknown).toHaveLength(unknowns.length);
            expect(hex(encodeMessage(desc, ours))).toBe(hex(appended));
            // Interleaved at field boundaries: kept in order, written last.
            const parts: Uint8Array[] = [];
            let at = 0;
            for (const [u, cut] of unknowns) {
              parts.push(canonical.subarray(at, cut), u);
              at = cut;
            }
            parts.push(canonical.subarray(at));
            const interleaved = expectDecodesLikeFromBinary(desc, Buffer.concat(parts));
            expect(hex(encodeMessage(desc, interleaved))).toBe(hex(appended));
          },
        ),
        { seed, numRuns: 120 },
      );
    });
  }

  it("a closed enum's unknown value is kept as an unknown field, alongside other unknown fields", () => {
    const requiredChild = new BinaryWriter().tag(44, WireType.LengthDelimited).bytes(new Uint8Array()).finish();
    const bytes = new BinaryWriter().raw(requiredChild).tag(10, WireType.Varint).int32(9).tag(900, WireType.Varint).uint32(1).finish();
    const ours = decodeMessage(EverythingSchema, bytes);
    expect(Object.hasOwn(ours, "closedEnum")).toBe(false);
    expect(ours.$unknown?.map((u) => u.no)).toEqual([10, 900]);
    // protobuf-es 2.13 keeps only the other unknown field here; alone, it keeps the enum value as we do.
    expect(fromBinary(EverythingSchema, bytes).$unknown?.map((u) => u.no)).toEqual([900]);
    const alone = new BinaryWriter().raw(requiredChild).tag(10, WireType.Varint).int32(9).finish();
    expectDecodesLikeFromBinary(EverythingSchema, alone);
  });
});
