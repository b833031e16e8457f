import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { file_sutra_storage_storage } from "../../src/gen/sutra/storage/storage_pb.js";
import { CustomerEventSchema, LTVBatchRequestSchema, file_syncvalue_v1_syncvalue } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { decodeMessage } from "../../src/protobuf-codec/index.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { expectDecodesLikeFromBinary } from "./codec-assertions.js";
import { ChildSchema, EverythingSchema, fixtureSet, schemaCases } from "./codec-schemas.js";

// decodeMessage must build what protobuf-es's fromBinary builds, from valid
// encodings and from merged ones (two encodings back to back: last value wins
// for singular fields, lists append, maps overwrite, messages merge).
const seed = 20_260_523;

describe("decodeMessage equals fromBinary", () => {
  for (const c of schemaCases) {
    it(c.name, () => {
      const message = arbitraryMessage(c.desc, { depth: c.depth, nan: false });
      fc.assert(
        fc.property(message, message, (a, b) => {
          const bytesA = toBinary(c.desc, a);
          expectDecodesLikeFromBinary(c.desc, bytesA);
          expectDecodesLikeFromBinary(c.desc, Buffer.concat([bytesA, toBinary(c.desc, b)]));
        }),
        { seed, numRuns: Math.ceil(c.runs / 2) },
      );
    });
  }

  it("real descriptors: our own protos, the fixture and its imports", () => {
    const files = [file_syncvalue_v1_syncvalue.proto, file_sutra_storage_storage.proto, ...fixtureSet.file];
    for (const file of files) expectDecodesLikeFromBinary(FileDescriptorProtoSchema, toBinary(FileDescriptorProtoSchema, file));
  });

  it("long values: lengths of 2 and 3 bytes, non-ASCII strings, invalid UTF-8 refused", () => {
    const strings = ["a".repeat(64), "a".repeat(65), "é".repeat(64), "\u{1F600}x".repeat(5000), "x".repeat(20_000)];
    const batch = create(LTVBatchRequestSchema, { requests: strings.map((s, i) => ({ customerId: s, features: Array.from({ length: i * 40 }, (_, k) => k / 3), metadata: { [s.slice(0, 90)]: s } })) });
    expectDecodesLikeFromBinary(LTVBatchRequestSchema, toBinary(LTVBatchRequestSchema, batch));
    const bad = toBinary(CustomerEventSchema, create(CustomerEventSchema, { eventType: "abcé" }));
    bad[bad.length - 1] = 0xff; // the second byte of "é"
    expect(() => fromBinary(CustomerEventSchema, bad)).toThrow();
    expect(() => decodeMessage(CustomerEventSchema, bad)).toThrow();
  });

  it("NaN and negative zero survive", () => {
    const bytes = toBinary(EverythingSchema, create(EverythingSchema, { implicitDouble: -0, implicitFloat: Number.NaN, packedDouble: [Number.NaN, -0, 0], requiredChild: {} }));
    const m = decodeMessage(EverythingSchema, bytes) as Record<string, unknown>;
    expect(Object.is(m.implicitDouble, -0)).toBe(true);
    expect(m.implicitFloat).toBeNaN();
    expect(m.packedDouble).toEqual([Number.NaN, -0, 0]);
  });

  it("fields left unset read their defaults, and are not present", () => {
    const m = decodeMessage(EverythingSchema, new Uint8Array()) as Record<string, unknown>;
    expect([m.explicitString, m.explicitInt64, m.closedEnum, m.flag, m.child]).toEqual(["hello", -7n, 2, true, undefined]);
    expect(Object.hasOwn(m, "explicitString")).toBe(false);
    expect(decodeMessage(ChildSchema, new Uint8Array())).toEqual(create(ChildSchema));
  });
});
