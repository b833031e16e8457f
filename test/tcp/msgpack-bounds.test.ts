import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { answerBounds, checkMsgpackBounds, type MsgpackBounds } from "../../src/tcp/msgpack-bounds.js";
import { isTcpProtocolError } from "../../src/tcp/protocol-error.js";

// The header scan must accept every well-formed value within bounds (it runs
// before every answer is decoded) and count what msgpackr would build.
const packr = new Packr({ useRecords: false, variableMapSize: true, int64AsType: "bigint" });
const unbounded: MsgpackBounds = { maxDepth: 1000, maxMapEntries: 1e9, maxArrayItems: 1e9, maxStringBytes: 1e9, maxValues: 1e9 };
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("array"), tie("map")),
  leaf: fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.uint8Array()),
  array: fc.array(tie("any"), { maxLength: 40 }),
  map: fc.dictionary(fc.string(), tie("any"), { maxKeys: 20 }),
})).any;

function refusal(bytes: Uint8Array, bounds: MsgpackBounds): string | undefined {
  try {
    checkMsgpackBounds(bytes, bounds);
    return undefined;
  } catch (e) {
    expect(isTcpProtocolError(e)).toBe(true);
    return (e as Error).message;
  }
}

describe("checkMsgpackBounds", () => {
  it("accepts every well-formed value, and refuses it cut short", () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = packr.pack(v);
        expect(refusal(bytes, unbounded)).toBeUndefined();
        if (bytes.length > 1) expect(refusal(bytes.subarray(0, bytes.length - 1), unbounded)).toMatch(/ends inside a value/);
      }),
      { seed: 17, numRuns: 500 },
    );
  });

  it("refuses each bound by name, at the header", () => {
    expect(refusal(packr.pack({ a: Array.from({ length: 100_001 }, () => 1) }), answerBounds)).toMatch(/an array of 100001 items/);
    expect(refusal(packr.pack(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, i]))), answerBounds)).toMatch(/a map of 257 entries/);
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = [deep];
    expect(refusal(packr.pack(deep), answerBounds)).toMatch(/nesting deeper than 16/);
    expect(refusal(packr.pack("x".repeat(4 * 1024 * 1024 + 1)), answerBounds)).toMatch(/string or binary/);
    expect(refusal(packr.pack(Array.from({ length: 3 }, () => Array.from({ length: 90_000 }, () => 0))), answerBounds)).toMatch(/more than 250000 values/);
    // The contract's largest answer shape fits: a 1,000-prediction batch with 20 features each.
    const prediction = ["id", 1n, 1.5, 0.9, 1, 2, "v1", Array.from({ length: 20 }, () => ["f", 0.5, 1.5]), 10n, "SUCCESS", ""];
    expect(refusal(packr.pack({ PredictLTVBatchOk: [Array.from({ length: 1000 }, () => prediction), 1000, 1000, 0] }), answerBounds)).toBeUndefined();
  });
});
