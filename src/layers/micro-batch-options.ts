/**
 * Options of micro-batching (`createClient({ batching })`): `predictLTV`
 * calls made close together go out as one `PredictLTVBatch`. It raises
 * throughput under high concurrency at the cost of up to `windowMs` of
 * latency per call, so it is off by default.
 *
 * @public
 */
export interface MicroBatchOptions {
  /**
   * How long the first call of a batch waits for others, in milliseconds.
   * Default 0: the batch leaves once the current task is done (calls made in
   * the same tick share it; `setTimeout(0)`, about 1 ms on Node).
   */
  windowMs?: number;
  /** Most predictions in one `PredictLTVBatch`; a full batch leaves at once. Default 128. */
  maxBatchSize?: number;
}

/** Defaults of {@link MicroBatchOptions}. @public */
export const microBatchDefaults = { windowMs: 0, maxBatchSize: 128 } as const;
