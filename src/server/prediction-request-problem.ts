import { ConnectError } from "@connectrpc/connect";
import type { LTVPredictionRequest } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { PLATFORMS, toPlatform } from "../model/platforms.js";
import { checkArray, checkString, checkStringMap } from "../validation/field-checks.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { validationLimits } from "../validation/validation-limits.js";

/**
 * Server-side validation of one prediction request: returns what is wrong,
 * as `"<field>: <what is wrong>"`, or `undefined` when the request is fine.
 * Checks a non-empty `customer_id`, a known `platform` (case-insensitive),
 * finite numbers in `current_cac`, `features` and event values, and the
 * client's own size limits (`validationLimits`: id and string lengths,
 * events, features, map entries), sizes first so an oversize list is
 * refused without a look at its items.
 */
export function predictionRequestProblem(request: LTVPredictionRequest): string | undefined {
  const tooLarge = sizeProblem(request);
  if (tooLarge !== undefined) return tooLarge;
  if (request.customerId.length === 0) return "customer_id: must not be empty";
  if (toPlatform(request.platform) === undefined) {
    return `platform: ${JSON.stringify(request.platform)} is not one of ${PLATFORMS.join(", ")}`;
  }
  if (!Number.isFinite(request.currentCac)) return "current_cac: must be a finite number";
  for (let i = 0; i < request.eventHistory.length; i++) {
    if (!Number.isFinite(request.eventHistory[i]!.eventValue)) {
      return `event_history[${i}].event_value: must be a finite number`;
    }
  }
  for (let i = 0; i < request.features.length; i++) {
    if (!Number.isFinite(request.features[i])) return `features[${i}]: must be a finite number`;
  }
  return undefined;
}

function sizeProblem(request: LTVPredictionRequest): string | undefined {
  const { maxIdLength, maxEventHistory, maxFeatures } = validationLimits;
  try {
    if (request.customerId.length > maxIdLength) {
      throw invalidArgument("customer_id", `must be at most ${maxIdLength} characters, got ${request.customerId.length}`);
    }
    checkString(request.requestId, "request_id");
    checkString(request.platform, "platform");
    checkString(request.campaignId, "campaign_id");
    checkString(request.adGroupId, "ad_group_id");
    checkStringMap(request.metadata, "metadata");
    if (request.features.length > maxFeatures) {
      throw invalidArgument("features", `must have at most ${maxFeatures} items, got ${request.features.length}`);
    }
    checkArray(request.eventHistory, "event_history", maxEventHistory, (event, field) => {
      const e = event as LTVPredictionRequest["eventHistory"][number];
      if (e.eventType.length > maxIdLength) {
        throw invalidArgument(`${field}.event_type`, `must be at most ${maxIdLength} characters, got ${e.eventType.length}`);
      }
      checkString(e.source, `${field}.source`);
      checkStringMap(e.attributes, `${field}.attributes`);
    });
    return undefined;
  } catch (e) {
    return ConnectError.from(e).rawMessage;
  }
}
