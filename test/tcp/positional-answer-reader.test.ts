// The positional answer reader must agree with the general decoder (msgpackr + readMessage) on everything it accepts.
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionResponseSchema, PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { decodeAnswerPayload, type TcpMethodBinding } from "../../src/tcp/method-binding.js";
import { decodeMsgpack } from "../../src/tcp/msgpack-codec.js";
import { MsgpackWriter } from "../../src/tcp/msgpack-writer.js";
import { readPositionalAnswer } from "../../src/tcp/positional-answer-reader.js";
import { predictionTcpBindings, predictLtvTcpBinding } from "../../src/tcp/prediction-tcp-binding.js";
import { storageTcpBindings } from "../../src/tcp/storage-tcp-binding.js";

const binding = predictLtvTcpBinding as unknown as TcpMethodBinding;
const key = (variant: string) => {
  const w = new MsgpackWriter(false);
  w.str(variant);
  return w.finish().slice();
};
const general = (b: TcpMethodBinding, payload: Uint8Array) => b.decodeResponse(decodeMsgpack(payload));

const ascii = fc.string({ maxLength: 40 });
const anyText = fc.oneof(ascii, fc.string({ unit: "grapheme", maxLength: 12 }));
const answerWith = (text: fc.Arbitrary<string>) => fc.record({
  requestId: text,
  timestampMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  predictedLtv: fc.double(),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  ltvLowerBound: fc.double(),
  ltvUpperBound: fc.double(),
  modelVersion: text,
  topFeatures: fc.array(fc.record({ name: text, importance: fc.double(), value: fc.double() }), { maxLength: 20 }),
  inferenceTimeUs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  status: fc.constantFrom(...Object.values(PredictionStatus).filter((v): v is PredictionStatus => typeof v === "number")),
  errorMessage: text,
});
const answer = answerWith(ascii);

describe("positional answer reader", () => {
  it("reads PredictLTVOk answers exactly as the general decoder does (2,000 generated answers)", () => {
    let readDirectly = 0;
    fc.assert(
      fc.property(answer, (init) => {
        const payload = binding.encodeResponse(create(LTVPredictionResponseSchema, init)).subarray(4);
        const direct = readPositionalAnswer(payload, key("PredictLTVOk"), LTVPredictionResponseSchema);
        if (direct !== undefined) {
          readDirectly++;
          expect(direct).toStrictEqual(general(binding, payload));
        }
        expect(decodeAnswerPayload(binding, payload)).toStrictEqual(general(binding, payload));
      }),
      { seed: 1717, numRuns: 2_000 },
    );
    // ASCII answers: the direct path must be the one taken.
    expect(readDirectly).toBe(2_000);
  });

  it("gives any text the general decoder's answer (non-ASCII is left to it)", () => {
    fc.assert(
      fc.property(answerWith(anyText), (init) => {
        const payload = binding.encodeResponse(create(LTVPredictionResponseSchema, init)).subarray(4);
        expect(decodeAnswerPayload(binding, payload)).toStrictEqual(general(binding, payload));
      }),
      { seed: 1718, numRuns: 500 },
    );
  });

  it("declines what it does not read, and the general decoder still answers it (or names what is wrong)", () => {
    const ok = binding.encodeResponse(create(LTVPredictionResponseSchema, { requestId: "r", modelVersion: "m" })).subarray(4);
    expect(readPositionalAnswer(ok, key("PredictLTVOk"), LTVPredictionResponseSchema)).toBeDefined();
    // A named struct, trailing bytes, an Error answer, another variant.
    const named = new MsgpackWriter(false);
    named.mapHeader(1);
    named.str("PredictLTVOk");
    named.mapHeader(0);
    const errorAnswer = new MsgpackWriter(false);
    errorAnswer.mapHeader(1);
    errorAnswer.str("Error");
    errorAnswer.arrayHeader(1);
    errorAnswer.str("model is down");
    for (const payload of [named.finish(), new Uint8Array([...ok, 0xc0]), errorAnswer.finish()]) {
      expect(readPositionalAnswer(payload, key("PredictLTVOk"), LTVPredictionResponseSchema)).toBeUndefined();
    }
    expect(readPositionalAnswer(ok, key("PredictLTVBatchOk"), LTVPredictionResponseSchema)).toBeUndefined();
    expect(() => decodeAnswerPayload(binding, errorAnswer.finish())).toThrow(/model is down/);
    expect(() => decodeAnswerPayload(binding, named.finish())).toThrow(/missing field request_id/);
  });

  it("leaves the bare FlushOk and the 8-field StatsOk to their bindings' own rules", () => {
    const flush = storageTcpBindings.find((b) => b.method === StorageService.method.flush)!;
    const stats = storageTcpBindings.find((b) => b.method === StorageService.method.getStats)!;
    // {FlushOk: [true]} is not the bare variant: an error, not a response read positionally.
    const flushBody = new MsgpackWriter(false);
    flushBody.mapHeader(1);
    flushBody.str("FlushOk");
    flushBody.arrayHeader(1);
    flushBody.bool(true);
    expect(() => decodeAnswerPayload(flush, flushBody.finish())).toThrow(/expected a bare variant/);
    // Eight fields: `vectors` third, dropped.
    const w = new MsgpackWriter(false);
    w.mapHeader(1);
    w.str("StatsOk");
    w.arrayHeader(8);
    for (const v of [1, 2, 99, 3, 4, 5, 6, 7]) w.int(v);
    expect(decodeAnswerPayload(stats, w.finish())).toMatchObject({ concepts: 1n, edges: 2n, written: 3n, uptimeSeconds: 7n });
    expect(predictionTcpBindings.map((b) => b.method)).toContain(SyncValueService.method.predictLTV);
  });
});
