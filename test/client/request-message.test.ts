import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as storage from "../../src/gen/sutra/storage/storage_pb.js";
import * as prediction from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { toRequestMessage } from "../../src/validation/request-message.js";

// toRequestMessage must build exactly what protobuf-es' create() builds:
// same fields, same zero values, same bytes on the wire.
const cases: [string, DescMessage, Record<string, unknown>][] = [
  ["empty prediction request", prediction.LTVPredictionRequestSchema, {}],
  ["full prediction request", prediction.LTVPredictionRequestSchema, {
    requestId: "r", timestampMs: 17n, customerId: "c", platform: "meta", currentCac: 3.5, campaignId: "k", adGroupId: "g",
    features: [1, 2.5], metadata: { a: "1", b: "2" },
    eventHistory: [{ timestampMs: 1n, eventType: "purchase", eventValue: 9.99, source: "web", attributes: { x: "y" } }, { eventType: "view" }],
  }],
  ["null fields are ignored", prediction.LTVPredictionRequestSchema, { requestId: null, eventHistory: null, metadata: undefined }],
  ["batch of requests", prediction.LTVBatchRequestSchema, { requests: [{ customerId: "a" }, { customerId: "b", eventHistory: [{}] }] }],
  ["health request", prediction.HealthRequestSchema, { includeMetrics: true }],
  ["learn concept with floats", storage.LearnConceptRequestSchema, { conceptId: "x", embedding: [0.1, 0.2], strength: 0.5, confidence: 1 }],
  ["vector search", storage.VectorSearchRequestSchema, { queryVector: [1, 0], k: 3 }],
  ["empty stats request", storage.StatsRequestSchema, {}],
];

describe("toRequestMessage matches create()", () => {
  for (const [name, schema, init] of cases) {
    it(name, () => {
      const ours = toRequestMessage(schema, init as never);
      const theirs = create(schema, init as never);
      expect(ours).toEqual(theirs);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(toBinary(schema, ours)).toEqual(toBinary(schema, theirs));
    });
  }

  it("returns a message as it is, and never shares zero lists between results", () => {
    const message = create(prediction.LTVPredictionRequestSchema, { customerId: "c" });
    expect(toRequestMessage(prediction.LTVPredictionRequestSchema, message)).toBe(message);
    const a = toRequestMessage(prediction.LTVPredictionRequestSchema, {});
    const b = toRequestMessage(prediction.LTVPredictionRequestSchema, {});
    a.features.push(1);
    a.metadata.k = "v";
    expect(b.features).toEqual([]);
    expect(b.metadata).toEqual({});
  });
});
