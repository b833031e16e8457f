import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { batchEcho, predictionEcho } from "./answer-echo.js";
import { createMethodBinding, type TcpMethodBinding } from "./method-binding.js";

/**
 * The prediction binding of docs/wire-protocol.md, in the storage style:
 * `PredictLTV`, `PredictLTVBatch`, `GetModelHealth` with positional (or named)
 * fields, answered positionally by `<Variant>Ok`. `PredictLTVStream` has no variant: the
 * transport pipelines each input as a `PredictLTV` instead.
 */
const m = SyncValueService.method;

/** Binding of `PredictLTV`, also used for each message of `PredictLTVStream`. */
export const predictLtvTcpBinding = createMethodBinding(m.predictLTV, {
  requestVariant: "PredictLTV",
  responseVariant: "PredictLTVOk",
  checkAnswer: predictionEcho,
});

/** Bindings of the unary `syncvalue.v1.SyncValueService` methods. */
export const predictionTcpBindings: readonly TcpMethodBinding[] = [
  predictLtvTcpBinding,
  createMethodBinding(m.predictLTVBatch, { requestVariant: "PredictLTVBatch", responseVariant: "PredictLTVBatchOk", checkAnswer: batchEcho }),
  createMethodBinding(m.getModelHealth, { requestVariant: "GetModelHealth", responseVariant: "GetModelHealthOk" }),
] as TcpMethodBinding[];
