import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { FindPathRequestSchema, FindPathResponseSchema, QueryConceptRequestSchema, QueryConceptResponseSchema, VectorSearchRequestSchema, VectorSearchResponseSchema } from "../gen/sutra/storage/storage_pb.js";
import type { LTVBatchRequestSchema, LTVBatchResponseSchema, LTVPredictionRequestSchema, LTVPredictionResponseSchema } from "../gen/syncvalue/v1/syncvalue_pb.js";

/**
 * The raw TCP binding has no request ids: answers are matched to requests
 * first-in first-out. A server that answers twice, or skips one, shifts
 * every later answer onto the wrong caller. Where an answer echoes its
 * request (a prediction's `request_id`, a batch's size, a found concept's
 * id, a path's ends, at most `k` search results) or must differ from the
 * previous answer (two writes never share a sequence number), the client
 * checks it; a mismatch fails the connection (see `TcpProtocolError`) and
 * never resolves a caller with another call's answer.
 */

/** What one connection remembers of the answers it delivered, for checks across answers. */
export interface AnswerHistory {
  /** The sequence number of the last write acknowledged on the connection. */
  lastWriteSequence: bigint | undefined;
}

/** A fresh history, for a new connection. */
export function createAnswerHistory(): AnswerHistory {
  return { lastWriteSequence: undefined };
}

/** Checks an answer against its request: a problem (without values: they may be personal data), or undefined. */
export type AnswerCheck<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  response: MessageShape<O>,
  history: AnswerHistory,
) => string | undefined;

const outOfStep = "answers are out of step with requests on this connection";

/** A prediction echoes its request's `request_id` (when the request has one). */
export const predictionEcho: AnswerCheck<typeof LTVPredictionRequestSchema, typeof LTVPredictionResponseSchema> = (req, res) =>
  req.requestId !== "" && res.requestId !== req.requestId ? `request_id is another request's: ${outOfStep}` : undefined;

/** A batch answers each request, in order, echoing each `request_id`. */
export const batchEcho: AnswerCheck<typeof LTVBatchRequestSchema, typeof LTVBatchResponseSchema> = (req, res) => {
  if (res.responses.length !== req.requests.length) {
    return `${res.responses.length} responses to a batch of ${req.requests.length}: ${outOfStep}`;
  }
  for (let i = 0; i < req.requests.length; i++) {
    const id = req.requests[i]!.requestId;
    if (id !== "" && res.responses[i]!.requestId !== id) return `responses[${i}].request_id is another request's: ${outOfStep}`;
  }
  return undefined;
};

/**
 * Two writes never share a sequence number: the same one twice in a row on
 * a connection is one answer delivered twice. 0 is not checked (a server
 * that does not number its writes).
 */
export function writeSequenceEcho(_request: unknown, response: { sequence: bigint }, history: AnswerHistory): string | undefined {
  if (response.sequence !== 0n && response.sequence === history.lastWriteSequence) return `sequence acknowledged twice: ${outOfStep}`;
  history.lastWriteSequence = response.sequence;
  return undefined;
}

/** A found concept is the one asked for (when the answer names it). */
export const queryConceptEcho: AnswerCheck<typeof QueryConceptRequestSchema, typeof QueryConceptResponseSchema> = (req, res) =>
  res.found && res.conceptId !== "" && res.conceptId !== req.conceptId ? `concept_id is another request's: ${outOfStep}` : undefined;

/** A found path runs from `start_id` to `end_id`. */
export const findPathEcho: AnswerCheck<typeof FindPathRequestSchema, typeof FindPathResponseSchema> = (req, res) =>
  res.found && res.path.length > 0 && (res.path[0] !== req.startId || res.path[res.path.length - 1] !== req.endId)
    ? `path does not join the request's start_id and end_id: ${outOfStep}`
    : undefined;

/** A search returns at most `k` results. */
export const vectorSearchEcho: AnswerCheck<typeof VectorSearchRequestSchema, typeof VectorSearchResponseSchema> = (req, res) =>
  res.results.length > req.k ? `${res.results.length} results for k = ${req.k}: ${outOfStep}` : undefined;
