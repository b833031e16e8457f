import type { LTVPredictionRequest } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";

/** One way of calling `PredictLTV` on the reference server, measured side by side with the others. */
export interface UnaryContender {
  /** Short key for tables and JSON, e.g. `"tcp-p1"`. */
  readonly id: string;
  /** Label for the report. */
  readonly name: string;
  /** Sequential only (the bare socket): measured at concurrency 1 and nowhere else. */
  readonly sequentialOnly?: boolean;
  /** One call; resolves when the answer is in (decoded, unless the contender is the bare socket). */
  call(): Promise<unknown>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Where the contenders connect, and what they send. */
export interface ContenderTarget {
  httpUrl: string;
  tcpUrl: string;
  request: LTVPredictionRequest;
  /** Deadline each client puts on a call (the floor has none). */
  deadlineMs: number;
}

/** Creates a contender, connected and warm. */
export type ContenderFactory = (target: ContenderTarget) => Promise<UnaryContender>;
