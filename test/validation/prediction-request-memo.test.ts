import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { memoForNextCall, recallPredictionRequest } from "../../src/validation/prediction-request-memo.js";

const request = () =>
  create(LTVPredictionRequestSchema, {
    requestId: "r",
    customerId: "c",
    platform: "meta",
    eventHistory: [{ eventType: "view", attributes: { a: "1" } }],
    features: [0, 1],
    metadata: { k: "v" },
  });

describe("PredictionRequestMemo", () => {
  it("is recorded from a request's second pass on, and recalled while nothing changed", () => {
    const r = request();
    expect(memoForNextCall(r)).toBeUndefined();
    expect(recallPredictionRequest(r)).toBeUndefined();
    const memo = memoForNextCall(r)!;
    expect(memo).toBeDefined();
    memo.key = 42;
    expect(recallPredictionRequest(r)).toBe(memo);
    expect(recallPredictionRequest(request())).toBeUndefined(); // an equal object is another request
  });

  it("tells the sign of zero, NaN, and a map's order and inherited keys apart", () => {
    const r = request();
    memoForNextCall(r);
    const memo = memoForNextCall(r)!;
    r.features[0] = -0;
    expect(memo.matches(r)).toBe(false);
    r.features[0] = 0;
    expect(memo.matches(r)).toBe(true);
    r.currentCac = NaN;
    expect(memo.matches(r)).toBe(false); // NaN is never "the same": the full path (and its rejection) runs
    r.currentCac = 0;
    r.metadata = Object.assign(Object.create({ inherited: "x" }) as Record<string, string>, { k: "v" });
    memo.record(r);
    expect(memo.matches(r)).toBe(true);
    Object.getPrototypeOf(r.metadata).inherited = "y";
    expect(memo.matches(r)).toBe(false);
    r.metadata = { k: "v", j: "w" };
    memo.record(r);
    r.metadata = { j: "w", k: "v" };
    expect(memo.matches(r)).toBe(false); // another object
  });

  it("leaves requestId and timestampMs out (the validation checks them on every call)", () => {
    const r = request();
    memoForNextCall(r);
    const memo = memoForNextCall(r)!;
    r.requestId = "another";
    r.timestampMs = 5n;
    expect(memo.matches(r)).toBe(true);
  });

  it("forgets what it knew when it records new values", () => {
    const r = request();
    memoForNextCall(r);
    const memo = memoForNextCall(r)!;
    memo.validated = true;
    memo.key = 7;
    r.customerId = "d";
    expect(recallPredictionRequest(r)).toBeUndefined();
    expect(memoForNextCall(r)).toBe(memo);
    expect(memo.validated).toBe(false);
    expect(memo.key).toBeUndefined();
    expect(recallPredictionRequest(r)).toBe(memo);
  });
});
