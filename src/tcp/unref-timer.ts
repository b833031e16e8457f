/**
 * Timers of the pool and connections must never keep a process alive
 * (Node, Bun: `unref()` on the timer object; Deno: `Deno.unrefTimer(id)`).
 */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  const t = timer as unknown as { unref?: () => void };
  if (typeof t.unref === "function") {
    t.unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}

/** `setTimeout` that does not keep the process alive. */
export function setUnrefTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  unrefTimer(t);
  return t;
}
