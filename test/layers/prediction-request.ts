import { create } from "@bufbuild/protobuf";
import { LTVPredictionRequestSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";

/** A small valid prediction request, its value set by the customer id (so distinct customers get distinct answers). */
export const request = (customerId: string, requestId: string) =>
  create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "tiktok",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: customerId.length * 10 }],
  });
