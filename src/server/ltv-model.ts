import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  LTVPredictionRequest,
  LTVPredictionResponseSchema,
} from "../gen/syncvalue/v1/syncvalue_pb.js";

/**
 * A prediction model the reference server can run: takes a validated request
 * and returns (or resolves to) a response. Throwing (or rejecting) makes the
 * server answer `MODEL_ERROR` inside a batch or stream and `Internal` for a
 * single call.
 *
 * The server fills `inference_time_us` and `timestamp_ms` itself, and copies
 * `request_id` when the model leaves it empty.
 *
 * @public
 */
export type LtvModel = (
  request: LTVPredictionRequest,
) => MessageInitShape<typeof LTVPredictionResponseSchema> | Promise<MessageInitShape<typeof LTVPredictionResponseSchema>>;
