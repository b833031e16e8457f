import type { LTVPredictionRequest } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { PLATFORMS, toPlatform } from "../model/platforms.js";

/**
 * Server-side validation of one prediction request: returns what is wrong,
 * as `"<field>: <what is wrong>"`, or `undefined` when the request is fine.
 * Checks a non-empty `customer_id`, a known `platform` (case-insensitive),
 * and finite numbers in `current_cac`, `features` and event values.
 */
export function predictionRequestProblem(request: LTVPredictionRequest): string | undefined {
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
