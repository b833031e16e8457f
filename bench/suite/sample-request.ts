import { create } from "@bufbuild/protobuf";
import { LTVPredictionRequestSchema, type LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

/**
 * The prediction request every contender sends: a returning customer with five
 * events (two purchases), as a bidder would send it at auction time. Fixed
 * values, so the bytes (and the wire sizes reported) are the same every run.
 */
export function sampleRequest(customerId = "customer-42", requestId = "bench-0001"): LTVPredictionRequest {
  return create(LTVPredictionRequestSchema, {
    requestId,
    timestampMs: BigInt(NOW),
    customerId,
    platform: "meta",
    currentCac: 25,
    campaignId: "campaign-q4",
    adGroupId: "ad-group-17",
    eventHistory: Array.from({ length: 5 }, (_, i) => ({
      timestampMs: BigInt(NOW - (i + 1) * 3 * DAY),
      eventType: i % 2 === 0 ? "purchase" : "view",
      eventValue: i % 2 === 0 ? 30 + i : 0,
      source: "web",
    })),
  });
}

/** A short description of {@link sampleRequest} for the report. */
export const sampleRequestDescription =
  "`PredictLTV` for one customer with 5 events (3 purchases, 2 views), no features or metadata";
