/**
 * Limits the client enforces on every request before sending it. They keep a
 * mistake (an unbounded loop filling a history, a wrong-dimension vector) from
 * reaching the servers, whose own frame caps are 16 MiB to 100 MiB.
 *
 * @public
 */
export interface ValidationLimits {
  /** Longest identifier (customer, concept, campaign ids...). Default 1024 characters. */
  maxIdLength: number;
  /** Longest free-text string (content, metadata values...). Default 1 MiB characters. */
  maxStringLength: number;
  /** Most events in one `eventHistory`. Default 10,000. */
  maxEventHistory: number;
  /** Most values in `features`. Default 4,096. */
  maxFeatures: number;
  /** Most entries in `metadata` or `attributes`. Default 256. */
  maxMapEntries: number;
  /** Most requests in one `PredictLTVBatch`. Default 1,000. */
  maxBatchSize: number;
  /** Largest embedding or query vector dimension. Default 16,384. */
  maxVectorDimension: number;
}

/**
 * The limits in force; the defaults documented on {@link ValidationLimits}.
 * Frozen: they are a contract with the servers, not a tuning knob.
 *
 * @public
 */
export const validationLimits: Readonly<ValidationLimits> = Object.freeze({
  maxIdLength: 1024,
  maxStringLength: 1 << 20,
  maxEventHistory: 10_000,
  maxFeatures: 4_096,
  maxMapEntries: 256,
  maxBatchSize: 1_000,
  maxVectorDimension: 16_384,
});
