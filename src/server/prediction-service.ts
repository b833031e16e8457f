import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  LTVPredictionResponseSchema,
  PredictionStatus,
  SyncValueService,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../model/baseline-ltv-model.js";
import { validationLimits } from "../validation/validation-limits.js";
import type { LtvModel } from "./ltv-model.js";
import type { ModelHealthTracker } from "./model-health-tracker.js";
import { predictionRequestProblem } from "./prediction-request-problem.js";

/**
 * Options of {@link createPredictionService}.
 *
 * @public
 */
export interface PredictionServiceOptions {
  /**
   * The model to run.
   * @defaultValue the baseline RFM model, `predictBaselineLtv`
   */
  model?: LtvModel;
  /** Receives the latency and outcome of every model run; answers `GetModelHealth`. */
  health: ModelHealthTracker;
  /**
   * Most requests accepted in one `PredictLTVBatch`; a larger batch is
   * rejected with `InvalidArgument`.
   * @defaultValue 1000, the client's own limit (`validationLimits.maxBatchSize`)
   */
  maxBatchSize?: number;
}

/** What one request came to: a response, or why there is none. */
type Outcome =
  | { ok: true; response: LTVPredictionResponse }
  | { ok: false; status: PredictionStatus.INVALID_INPUT | PredictionStatus.MODEL_ERROR; message: string; inferenceUs: bigint };

/**
 * Implements `syncvalue.v1.SyncValueService` independently of any transport,
 * so the HTTP server and a TCP binding can share one instance (call it with a
 * `HandlerContext` from `createHandlerContext`).
 *
 * Every response gets `inference_time_us` (the model's measured run time)
 * and `timestamp_ms` (server wall clock); `request_id` is copied from the
 * request when the model leaves it empty.
 *
 * Failures: a single `PredictLTV` answers `InvalidArgument` for a request that
 * fails validation (empty `customer_id`, unknown `platform`, non-finite
 * numbers) and `Internal` when the model throws or returns a non-finite value.
 * Inside `PredictLTVBatch` and `PredictLTVStream` the same failures become a
 * response with status `INVALID_INPUT` or `MODEL_ERROR` and an
 * `error_message`, and the call goes on. A batch counts `successful` (any
 * other status, including `INSUFFICIENT_DATA`) and `failed` responses.
 *
 * @public
 */
export function createPredictionService(options: PredictionServiceOptions): ServiceImpl<typeof SyncValueService> {
  const model = options.model ?? predictBaselineLtv;
  const health = options.health;
  const maxBatchSize = options.maxBatchSize ?? validationLimits.maxBatchSize;

  async function predictOne(request: LTVPredictionRequest): Promise<Outcome> {
    const problem = predictionRequestProblem(request);
    if (problem !== undefined) {
      return { ok: false, status: PredictionStatus.INVALID_INPUT, message: problem, inferenceUs: 0n };
    }
    const started = performance.now();
    let failure: string | undefined;
    let response: LTVPredictionResponse | undefined;
    try {
      // A shallow copy, so filling in the fields below never mutates an object the model keeps.
      const init = await model(request);
      if (typeof init !== "object" || init === null) {
        failure = "model returned no response";
      } else {
        response = create(LTVPredictionResponseSchema, { ...init });
        if (!Number.isFinite(response.predictedLtv)) failure = "model returned a non-finite predicted_ltv";
      }
    } catch (e) {
      failure = `model failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    const elapsedMs = performance.now() - started;
    const inferenceUs = BigInt(Math.round(elapsedMs * 1000));
    if (failure !== undefined || response === undefined) {
      health.recordPrediction(elapsedMs, false);
      return { ok: false, status: PredictionStatus.MODEL_ERROR, message: failure ?? "model failed", inferenceUs };
    }
    health.recordPrediction(elapsedMs, response.status !== PredictionStatus.MODEL_ERROR, response.modelVersion);
    if (response.requestId === "") response.requestId = request.requestId;
    response.inferenceTimeUs = inferenceUs;
    response.timestampMs = BigInt(Date.now());
    return { ok: true, response };
  }

  function toResponse(request: LTVPredictionRequest, outcome: Outcome): LTVPredictionResponse {
    if (outcome.ok) return outcome.response;
    return create(LTVPredictionResponseSchema, {
      requestId: request.requestId,
      timestampMs: BigInt(Date.now()),
      inferenceTimeUs: outcome.inferenceUs,
      status: outcome.status,
      errorMessage: outcome.message,
    });
  }

  return {
    async predictLTV(request) {
      const outcome = await predictOne(request);
      if (outcome.ok) return outcome.response;
      throw new ConnectError(
        outcome.message,
        outcome.status === PredictionStatus.INVALID_INPUT ? Code.InvalidArgument : Code.Internal,
      );
    },

    async predictLTVBatch(batch) {
      if (batch.requests.length > maxBatchSize) {
        throw new ConnectError(
          `requests: at most ${maxBatchSize} per batch, got ${batch.requests.length}`,
          Code.InvalidArgument,
        );
      }
      const responses = await Promise.all(
        batch.requests.map(async (request) => toResponse(request, await predictOne(request))),
      );
      const failed = responses.filter((r) => isFailure(r.status)).length;
      return {
        responses,
        totalProcessed: responses.length,
        successful: responses.length - failed,
        failed,
      };
    },

    async *predictLTVStream(requests) {
      for await (const request of requests) {
        yield toResponse(request, await predictOne(request));
      }
    },

    getModelHealth(request) {
      return health.snapshot(request.includeMetrics);
    },
  };
}

function isFailure(status: PredictionStatus): boolean {
  return (
    status === PredictionStatus.MODEL_ERROR ||
    status === PredictionStatus.INVALID_INPUT ||
    status === PredictionStatus.TIMEOUT
  );
}
