import type { MessageShape } from "@bufbuild/protobuf";
import type {
  CustomerEventSchema,
  HealthRequestSchema,
  LTVBatchRequestSchema,
  LTVPredictionRequestSchema,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import { PLATFORMS } from "../model/platforms.js";
import {
  checkArray,
  checkBoolean,
  checkFinite,
  checkId,
  checkNonNegative,
  checkNonNegativeInt64,
  checkString,
  checkStringMap,
} from "./field-checks.js";
import { invalidArgument } from "./invalid-argument.js";
import { memoForNextCall, noteVerifiedRequest, recallPredictionRequest } from "./prediction-request-memo.js";
import { validationLimits } from "./validation-limits.js";

const platforms = new Set<string>(PLATFORMS);

/**
 * Checks an `LTVPredictionRequest` field by field; throws `ConnectError`
 * `InvalidArgument` naming the first bad field (prefixed with `path`).
 */
export function validatePredictionRequest(
  req: MessageShape<typeof LTVPredictionRequestSchema>,
  path = "",
): void {
  checkString(req.requestId, `${path}requestId`);
  checkNonNegativeInt64(req.timestampMs, `${path}timestampMs`);
  checkId(req.customerId, `${path}customerId`);
  checkString(req.platform, `${path}platform`);
  if (!platforms.has(req.platform.toLowerCase())) {
    throw invalidArgument(`${path}platform`, `must be one of ${PLATFORMS.join(", ")} (case-insensitive)`);
  }
  checkArray(req.eventHistory, `${path}eventHistory`, validationLimits.maxEventHistory, (e, f) =>
    validateCustomerEvent(e as MessageShape<typeof CustomerEventSchema>, f),
  );
  checkNonNegative(req.currentCac, `${path}currentCac`);
  checkString(req.campaignId, `${path}campaignId`);
  checkString(req.adGroupId, `${path}adGroupId`);
  checkArray(req.features, `${path}features`, validationLimits.maxFeatures, checkFinite);
  checkStringMap(req.metadata, `${path}metadata`);
}

/**
 * {@link validatePredictionRequest} for a `PredictLTV` call, skipped when the
 * same request object passed before and none of its values changed since
 * (see `PredictionRequestMemo`). `reusable`: the message is the caller's own
 * object, which may come again (not one built for this call alone). Notes
 * the request as verified for the layers below (`noteVerifiedRequest`); the
 * validation layer forgets it when the call returns from them.
 */
export function validatePredictionCall(req: MessageShape<typeof LTVPredictionRequestSchema>, reusable: boolean): void {
  const known = recallPredictionRequest(req);
  if (known?.validated) {
    // The two fields the memo leaves out (they change per call), checked as the full path does first.
    checkString(req.requestId, "requestId");
    checkNonNegativeInt64(req.timestampMs, "timestampMs");
    noteVerifiedRequest(req, known);
    return;
  }
  validatePredictionRequest(req);
  const memo = reusable ? memoForNextCall(req) : undefined;
  if (memo !== undefined) memo.validated = true;
  noteVerifiedRequest(req, memo);
}

function validateCustomerEvent(e: MessageShape<typeof CustomerEventSchema>, path: string): void {
  if (e === null || typeof e !== "object") throw invalidArgument(path, "must be an event object");
  checkNonNegativeInt64(e.timestampMs, `${path}.timestampMs`);
  checkId(e.eventType, `${path}.eventType`);
  // Refunds are negative purchases: any finite value is a fact, not an error.
  checkFinite(e.eventValue, `${path}.eventValue`);
  checkString(e.source, `${path}.source`);
  checkStringMap(e.attributes, `${path}.attributes`);
}

/** Checks an `LTVBatchRequest`: 1 to `maxBatchSize` valid requests. */
export function validateBatchRequest(req: MessageShape<typeof LTVBatchRequestSchema>): void {
  checkArray(req.requests, "requests", validationLimits.maxBatchSize, (r, f) =>
    validatePredictionRequest(r as MessageShape<typeof LTVPredictionRequestSchema>, `${f}.`),
  );
  if (req.requests.length === 0) throw invalidArgument("requests", "must not be empty");
}

export function validateHealthRequest(req: MessageShape<typeof HealthRequestSchema>): void {
  checkBoolean(req.includeMetrics, "includeMetrics");
}
