import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema, LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { decodeMessage } from "../../src/protobuf-codec/index.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { expectDecodesLikeFromBinary, expectSameMessage } from "./codec-assertions.js";
import { ChildSchema, EverythingSchema } from "./codec-schemas.js";

// Malformed input throws (the transports turn it into Code.Internal). The
// decoder is stricter than protobuf-es there: a value that runs past the end
// of its message is an error, where fromBinary may misread it silently.
const seed = 20_260_525;

/** Where top-level fields end: the only places an encoding may be cut and stay valid. */
function fieldBoundaries(bytes: Uint8Array): Set<number> {
  const r = new BinaryReader(bytes);
  const ends = new Set([0]);
  while (r.pos < r.len) {
    const [no, wireType] = r.tag();
    r.skip(wireType, no);
    ends.add(r.pos);
  }
  return ends;
}

describe("truncated input", () => {
  for (const desc of [LTVPredictionRequestSchema, LTVPredictionResponseSchema, ValueSchema, EverythingSchema] as DescMessage[]) {
    it(`${desc.typeName}: every cut inside a field throws; a cut between fields decodes like fromBinary`, () => {
      fc.assert(
        fc.property(arbitraryMessage(desc, { depth: 2, nan: false }), (message) => {
          const bytes = toBinary(desc, message);
          const boundaries = fieldBoundaries(bytes);
          for (let cut = 0; cut < bytes.length; cut++) {
            const prefix = bytes.subarray(0, cut);
            if (!boundaries.has(cut)) {
              expect(() => decodeMessage(desc, prefix), `cut at ${cut} of ${bytes.length}`).toThrow();
            } else if (desc !== EverythingSchema || cut > 0) {
              // (Everything's required child comes first: an empty prefix cannot be re-encoded.)
              const ours = decodeMessage(desc, prefix);
              if (desc !== EverythingSchema || Object.hasOwn(ours, "requiredChild")) expectSameMessage(desc, ours, fromBinary(desc, prefix));
            }
          }
        }),
        { seed, numRuns: desc === EverythingSchema ? 15 : 60 },
      );
    });
  }
});

describe("random bytes", () => {
  for (const desc of [LTVPredictionRequestSchema, LTVPredictionResponseSchema, StructSchema, ChildSchema] as DescMessage[]) {
    it(`${desc.typeName}: an Error, or the message fromBinary reads`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
          let ours;
          try {
            ours = decodeMessage(desc, bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            return;
          }
          expectSameMessage(desc, ours, fromBinary(desc, bytes));
        }),
        { seed, numRuns: 3000 },
      );
    });
  }
});

describe("malformed encodings throw", () => {
  const w = () => new BinaryWriter();
  const cases: [string, DescMessage, Uint8Array, boolean][] = [
    // name, schema, bytes, does protobuf-es throw too
    ["field number 0", ChildSchema, new Uint8Array([0x00, 0x01]), true],
    ["wire type 6", ChildSchema, new Uint8Array([0x0e, 0x01]), true],
    ["wire type 7", ChildSchema, new Uint8Array([0x0f]), true],
    ["a tag wider than 32 bits", ChildSchema, new Uint8Array([0x88, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01]), true],
    ["a varint of more than 10 bytes", ChildSchema, new Uint8Array([0x08, ...Array(10).fill(0xff), 0x01]), true],
    ["a string longer than the input", ChildSchema, w().tag(2, WireType.LengthDelimited).uint32(5).raw(new Uint8Array([0x61])).finish(), true],
    ["invalid UTF-8 in a string", ChildSchema, w().tag(2, WireType.LengthDelimited).bytes(new Uint8Array([0xc3, 0x28])).finish(), true],
    ["a nested message longer than its parent", ChildSchema, w().tag(3, WireType.LengthDelimited).uint32(9).tag(1, WireType.Varint).int32(1).finish(), true],
    ["a field running past the end of its message", ChildSchema, w().tag(3, WireType.LengthDelimited).uint32(2).tag(1, WireType.Varint).raw(new Uint8Array([0x96, 0x01])).finish(), false],
    ["a truncated varint at the end", ChildSchema, new Uint8Array([0x08, 0x96]), true],
    ["a packed list running past its length", ChildSchema, w().tag(4, WireType.LengthDelimited).uint32(1).raw(new Uint8Array([0x96, 0x01])).finish(), false],
    ["a truncated double", LTVPredictionResponseSchema, new Uint8Array([0x19, 0, 0, 0]), true],
    ["an unknown group without its end", ChildSchema, w().tag(9, WireType.StartGroup).tag(1, WireType.Varint).int32(1).finish(), true],
    ["an unknown group closed by another field's end tag", ChildSchema, w().tag(9, WireType.StartGroup).tag(8, WireType.EndGroup).finish(), true],
    ["a stray end-group tag", ChildSchema, w().tag(9, WireType.EndGroup).finish(), true],
    [
      "a group field whose end tag is missing",
      EverythingSchema,
      w().tag(41, WireType.StartGroup).tag(1, WireType.Varint).int32(1).finish(),
      true,
    ],
    ["a map entry longer than the input", LTVPredictionRequestSchema, w().tag(10, WireType.LengthDelimited).uint32(30).tag(1, WireType.LengthDelimited).string("k").finish(), true],
  ];
  for (const [name, desc, bytes, theyThrow] of cases) {
    it(name, () => {
      expect(() => decodeMessage(desc, bytes)).toThrow(Error);
      if (theyThrow) expect(() => fromBinary(desc, bytes)).toThrow();
      else expect(() => fromBinary(desc, bytes)).not.toThrow();
    });
  }

  it("nesting deeper than 100 messages throws; 100 does not", () => {
    const nested = (depth: number): Uint8Array => {
      let bytes = new Uint8Array();
      for (let i = 1; i < depth; i++) bytes = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(bytes).finish();
      return bytes;
    };
    expectDecodesLikeFromBinary(ChildSchema, nested(100));
    expect(() => fromBinary(ChildSchema, nested(101))).toThrow(/recursion/);
    expect(() => decodeMessage(ChildSchema, nested(101))).toThrow(/recursion/);
  });

  it("a string field without UTF-8 validation takes invalid UTF-8, as fromBinary does", () => {
    const bytes = new BinaryWriter().tag(44, WireType.LengthDelimited).bytes(new Uint8Array()).tag(23, WireType.LengthDelimited).bytes(new Uint8Array([0xc3, 0x28])).finish();
    expectDecodesLikeFromBinary(EverythingSchema, bytes);
  });
});
