import { canceledBy } from "./call-errors.js";
import { deadlineExceeded } from "./deadline.js";

/**
 * Waits for a result shared with other callers (a coalesced request, a
 * micro-batch) while honouring this caller's own limits: its abort signal
 * rejects with `Canceled`, its deadline with `DeadlineExceeded`, and neither
 * affects the shared work. `onDetach` runs when the caller leaves early.
 *
 * `timeoutMs` undefined means no deadline of its own (the shared work has one).
 */
export function waitAsCaller<T>(
  shared: Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  onDetach?: () => void,
): Promise<T> {
  if (signal === undefined && timeoutMs === undefined) return shared;
  if (signal?.aborted) {
    onDetach?.();
    return Promise.reject(canceledBy(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      finish();
      onDetach?.();
      reject(canceledBy(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish();
        onDetach?.();
        reject(deadlineExceeded());
      }, timeoutMs);
    }
    shared.then(
      (v) => {
        finish();
        resolve(v);
      },
      (e: unknown) => {
        finish();
        reject(e);
      },
    );
  });
}
