import { create, toBinary } from "@bufbuild/protobuf";
import { BytesValueSchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { file_sutra_storage_storage } from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVBatchRequestSchema, LTVPredictionRequestSchema, file_syncvalue_v1_syncvalue } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { encodeEnvelopedMessage, encodeMessage } from "../../src/protobuf-codec/index.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { ChildSchema, EverythingSchema, fixtureSet, schemaCases } from "./codec-schemas.js";

// encodeMessage must write the very bytes protobuf-es's toBinary writes, for
// every message type of both services and for schemas exercising what they
// lack. Fixed seed: the same cases on every machine.
const seed = 20_260_522;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("encodeMessage writes toBinary's bytes", () => {
  for (const c of schemaCases) {
    it(c.name, () => {
      fc.assert(
        fc.property(arbitraryMessage(c.desc, { depth: c.depth, nan: true }), (message) => {
          expect(hex(encodeMessage(c.desc, message))).toBe(hex(toBinary(c.desc, message)));
        }),
        { seed, numRuns: c.runs },
      );
    });
  }

  it("real descriptors: our own protos, the fixture and its imports", () => {
    const files = [file_syncvalue_v1_syncvalue.proto, file_sutra_storage_storage.proto, ...fixtureSet.file];
    for (const file of files) expect(hex(encodeMessage(FileDescriptorProtoSchema, file))).toBe(hex(toBinary(FileDescriptorProtoSchema, file)));
  });

  it("long values: lengths of 2 and 3 bytes, nested and grown buffers, non-ASCII and lone surrogates", () => {
    const strings = ["", "a".repeat(127), "a".repeat(128), "é".repeat(64), "€".repeat(43), "\u{1F600}x".repeat(5000), "a\uD800b\uDC00", "x".repeat(20_000)];
    const batch = create(LTVBatchRequestSchema, {
      requests: strings.map((s, i) => ({ customerId: s, platform: "meta", features: Array.from({ length: i * 40 }, (_, k) => k / 3), metadata: { [s.slice(0, 200)]: s } })),
    });
    expect(hex(encodeMessage(LTVBatchRequestSchema, batch))).toBe(hex(toBinary(LTVBatchRequestSchema, batch)));
    const blob = create(BytesValueSchema, { value: Uint8Array.from({ length: 70_000 }, (_, i) => i % 251) });
    expect(hex(encodeMessage(BytesValueSchema, blob))).toBe(hex(toBinary(BytesValueSchema, blob)));
  });

  it("unknown fields are written last, as protobuf-es writes them", () => {
    const message = create(ChildSchema, { id: 3, name: "n" });
    message.$unknown = [
      { no: 9, wireType: 0, data: new Uint8Array([0x96, 0x01]) },
      { no: 7, wireType: 2, data: new Uint8Array([2, 0x61, 0x62]) },
    ];
    expect(hex(encodeMessage(ChildSchema, message))).toBe(hex(toBinary(ChildSchema, message)));
  });
});

describe("encodeMessage refuses what toBinary refuses", () => {
  const cases: [string, () => { desc: typeof EverythingSchema; message: unknown }][] = [
    ["a required field not set", () => ({ desc: EverythingSchema, message: create(EverythingSchema) })],
    ["an int32 that is not an integer", () => ({ desc: ChildSchema, message: { ...create(ChildSchema), id: 1.5 } })],
    ["a uint32 below zero", () => ({ desc: EverythingSchema, message: { ...create(EverythingSchema, { requiredChild: {} }), u32: -1 } })],
    ["an int64 beyond its range", () => ({ desc: EverythingSchema, message: { ...create(EverythingSchema, { requiredChild: {} }), s64: 2n ** 63n } })],
    ["a float beyond float32", () => ({ desc: EverythingSchema, message: { ...create(EverythingSchema, { requiredChild: {} }), implicitFloat: 1e39 } })],
    ["a message of another type", () => ({ desc: ChildSchema, message: create(LTVPredictionRequestSchema) })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const { desc, message } = make();
      expect(() => toBinary(desc, message as never)).toThrow();
      expect(() => encodeMessage(desc, message as never)).toThrow();
    });
  }

  it("names the field whose value does not fit", () => {
    expect(() => encodeMessage(ChildSchema, { ...create(ChildSchema), id: 1.5 } as never)).toThrow(/codec\.test\.Child\.id.*invalid int32/);
  });
});

describe("encodeEnvelopedMessage writes a gRPC envelope around toBinary's bytes", () => {
  // One writer serves every encode: each must start clean after a large one and after one that threw.
  const envelope = (body: Uint8Array) => {
    const out = new Uint8Array(5 + body.length);
    new DataView(out.buffer).setUint32(1, body.length);
    out.set(body, 5);
    return hex(out);
  };

  it("arbitrary prediction requests, several in a row on the one writer", () => {
    const c = schemaCases.find((x) => x.desc === LTVPredictionRequestSchema) ?? schemaCases[0]!;
    fc.assert(
      fc.property(fc.array(arbitraryMessage(c.desc, { depth: c.depth, nan: true }), { minLength: 1, maxLength: 4 }), (messages) => {
        for (const m of messages) expect(hex(encodeEnvelopedMessage(c.desc, m))).toBe(envelope(toBinary(c.desc, m)));
      }),
      { seed, numRuns: 50 },
    );
  });

  it("a large message, then a small one, then one that throws, then a small one: each exactly its own bytes", () => {
    const big = create(BytesValueSchema, { value: Uint8Array.from({ length: 100_000 }, (_, i) => i % 251) });
    const small = create(LTVPredictionRequestSchema, { requestId: "r-1", customerId: "c-1", platform: "meta" });
    expect(hex(encodeEnvelopedMessage(BytesValueSchema, big))).toBe(envelope(toBinary(BytesValueSchema, big)));
    expect(hex(encodeEnvelopedMessage(LTVPredictionRequestSchema, small))).toBe(envelope(toBinary(LTVPredictionRequestSchema, small)));
    const bad = create(LTVPredictionRequestSchema, { requestId: "r-2", customerId: "c-2" });
    (bad as { timestampMs: unknown }).timestampMs = "not a number";
    expect(() => encodeEnvelopedMessage(LTVPredictionRequestSchema, bad)).toThrow();
    expect(() => toBinary(LTVPredictionRequestSchema, bad)).toThrow();
    expect(hex(encodeEnvelopedMessage(LTVPredictionRequestSchema, small))).toBe(envelope(toBinary(LTVPredictionRequestSchema, small)));
    expect(hex(encodeMessage(LTVPredictionRequestSchema, small))).toBe(hex(toBinary(LTVPredictionRequestSchema, small)));
  });

  it("into the buffer the caller allocates, whole", () => {
    const small = create(LTVPredictionRequestSchema, { requestId: "r-3", customerId: "c-3", platform: "meta" });
    const sizes: number[] = [];
    const out = encodeEnvelopedMessage(LTVPredictionRequestSchema, small, (n) => (sizes.push(n), Buffer.allocUnsafe(n)));
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(sizes).toEqual([out.length]);
    expect(hex(out)).toBe(envelope(toBinary(LTVPredictionRequestSchema, small)));
  });
});
