import { create, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import {
  LTVBatchRequestSchema,
  PredictionStatus,
  SyncValueService,
  type LTVBatchResponse,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { canceledBy } from "../call/call-errors.js";
import { waitAsCaller } from "../call/caller-wait.js";
import { microBatchDefaults, type MicroBatchOptions } from "./micro-batch-options.js";

type PredictResponse = UnaryResponse<typeof SyncValueService.method.predictLTV.input, typeof SyncValueService.method.predictLTV.output>;

/** One queued `predictLTV` call. */
interface Item {
  request: LTVPredictionRequest;
  /** Absolute deadline (ms on `now()`), Infinity without one. */
  deadline: number;
  signal: AbortSignal | undefined;
  /** Settle the item's own result; its caller waits on it with its own deadline and signal. */
  resolve(r: PredictResponse): void;
  reject(e: unknown): void;
  /** The caller left (aborted or timed out); if before its batch was sent, it is not sent. */
  gone: boolean;
  /** Tells the item's batch that its caller left, once it is sent. */
  leave: (() => void) | undefined;
}

/**
 * Collects `predictLTV` calls for `windowMs` (or until `maxBatchSize`) and
 * sends them as `PredictLTVBatch` calls. Each caller gets its own response or
 * its own error:
 * - an item answered `INVALID_INPUT` rejects with `InvalidArgument` and one
 *   answered `MODEL_ERROR` with `Internal` (what a single call would get);
 * - when the server rejects a whole batch with `InvalidArgument`, its items
 *   are sent again one by one, so one bad item never fails the others;
 * - any other failure of the batch call fails its items with that error.
 * A batch carries the latest deadline of its items. Each caller waits with
 * its own deadline and signal from the moment it is queued, whatever its
 * batch does: `DeadlineExceeded` or `Canceled` at its own, even while queued
 * or if the batch never settles (a runtime that cancelled it). A caller who
 * leaves before its batch is sent is not sent; the batch is cancelled once
 * all its callers have left. Calls with their own headers are not batched.
 */
export function createMicroBatchTransport(
  next: Transport,
  options: MicroBatchOptions,
  metrics: ClientMetrics,
  now: () => number,
): Transport {
  const windowMs = options.windowMs ?? microBatchDefaults.windowMs;
  const maxBatchSize = options.maxBatchSize ?? microBatchDefaults.maxBatchSize;
  const predict = SyncValueService.method.predictLTV;
  let queue: Item[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const items = queue;
    queue = [];
    for (let i = 0; i < items.length; i += maxBatchSize) send(items.slice(i, i + maxBatchSize));
  };

  const send = (all: Item[]) => {
    const items = all.filter((item) => !item.gone);
    if (items.length === 0) return;
    let deadline = 0;
    for (const item of items) deadline = Math.max(deadline, item.deadline);
    const timeoutMs = deadline === Infinity ? undefined : Math.max(1, Math.ceil(deadline - now()));
    // The batch is cancelled only when every one of its callers has left.
    const controller = new AbortController();
    let waiting = items.length;
    const leave = () => {
      if (--waiting === 0) controller.abort(new ConnectError("every caller of the batch left", Code.Canceled));
    };
    metrics.batches++;
    metrics.batchItems += items.length;
    const batch = next.unary(
      SyncValueService.method.predictLTVBatch,
      controller.signal,
      timeoutMs,
      undefined,
      create(LTVBatchRequestSchema, { requests: items.map((item) => item.request) }),
    );
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      item.leave = leave;
      batch
        .then((response) => itemResponse(response.message, response.header, response.trailer, i, items.length))
        .then(item.resolve, (e: unknown) => {
          if (item.gone) return;
          if (e instanceof ConnectError && e.code === Code.InvalidArgument && !item.signal?.aborted && isWholeBatchError(e)) {
            // The server refused the whole batch: this item alone may be fine.
            const budget = item.deadline === Infinity ? undefined : Math.max(1, Math.ceil(item.deadline - now()));
            next.unary(predict, item.signal, budget, undefined, item.request).then(item.resolve, item.reject);
            return;
          }
          item.reject(e);
        });
    }
  };

  const itemResponse = (message: LTVBatchResponse, header: Headers, trailer: Headers, i: number, count: number): PredictResponse => {
    const response: LTVPredictionResponse | undefined = message.responses[i];
    if (response === undefined || message.responses.length !== count) {
      throw new ConnectError(`PredictLTVBatch answered ${message.responses.length} responses for ${count} requests`, Code.Internal);
    }
    if (response.status === PredictionStatus.INVALID_INPUT) throw itemError(response.errorMessage, Code.InvalidArgument);
    if (response.status === PredictionStatus.MODEL_ERROR) throw itemError(response.errorMessage, Code.Internal);
    return { stream: false, service: SyncValueService, method: predict, header, trailer, message: response };
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if ((method as DescMethod) !== predict || header !== undefined) {
        return next.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      if (signal?.aborted) return Promise.reject(canceledBy(signal));
      let item!: Item;
      const own = new Promise<PredictResponse>((resolve, reject) => {
        item = {
          request: input as LTVPredictionRequest,
          deadline: timeoutMs === undefined ? Infinity : now() + timeoutMs,
          signal,
          resolve,
          reject,
          gone: false,
          leave: undefined,
        };
      });
      queue.push(item);
      if (queue.length >= maxBatchSize) flush();
      else if (timer === undefined) timer = setTimeout(flush, windowMs);
      return waitAsCaller(own, signal, timeoutMs, () => {
        item.gone = true;
        item.leave?.();
      }) as never;
    },
    stream: (...args) => next.stream(...args),
  };
}

// Errors built from item statuses carry this marker; anything else with
// InvalidArgument came from the batch call itself.
const itemErrors = new WeakSet<ConnectError>();

function itemError(message: string, code: Code): ConnectError {
  const e = new ConnectError(message || "prediction failed", code);
  itemErrors.add(e);
  return e;
}

function isWholeBatchError(e: ConnectError): boolean {
  return !itemErrors.has(e);
}
