export { fullJitterBackoffMs } from "./backoff.js";
export { callError, canceledBy, codeOf } from "./call-errors.js";
export { CallDeadline, callSignalReason, toAbortSignal, type CallSignal } from "./call-signal.js";
export { waitAsCaller } from "./caller-wait.js";
export { deadlineExceeded, effectiveTimeout } from "./deadline.js";
export { FreezeDetector } from "./freeze-detector.js";
export { lazyUnaryResponse, lazyUnaryResponseOf } from "./lazy-unary-response.js";
export { linkedAbort, type LinkedAbort } from "./linked-abort.js";
export { linkedDeadline, type LinkedDeadline } from "./linked-deadline.js";
