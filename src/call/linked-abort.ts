/**
 * An AbortController that also aborts when `parent` does, and forgets the
 * parent once `unlink()` is called (so a long-lived caller signal does not
 * collect one listener per call). `AbortSignal.any` would do, but it is not in
 * every runtime we support, and it cannot be unlinked.
 */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  unlink(): void;
}

export function linkedAbort(parent: AbortSignal | undefined): LinkedAbort {
  const controller = new AbortController();
  if (parent === undefined) {
    return { signal: controller.signal, abort: (r) => controller.abort(r), unlink: noop };
  }
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, abort: noop, unlink: noop };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (r) => controller.abort(r),
    unlink: () => parent.removeEventListener("abort", onAbort),
  };
}

function noop(): void {}
