import { readdirSync, readFileSync } from "node:fs";
import type * as net from "node:net";

/**
 * Keeps a listener from running the process out of file descriptors.
 *
 * Why not react to EMFILE: when `accept` fails for lack of descriptors,
 * libuv accepts the connection with a reserved descriptor and closes it at
 * once, and the server never hears of it. A client that sent an auth token
 * sees its connection closed during the handshake, which is exactly how a
 * refused token looks. So the guard stops accepting a little before the
 * limit instead: the listening socket is closed, new clients get a plain
 * "connection refused" (a connection error), and it listens again on the
 * same port once descriptors are free.
 *
 * States: accepting -> paused (descriptors in use reach the limit minus a
 * reserve; logged once) -> accepting (in use back below the limit minus
 * twice the reserve, checked as connections close and every second; logged).
 * An EMFILE or ENFILE error that does reach the listener pauses it too.
 *
 * Linux only: the limit and the count come from `/proc/self`. Elsewhere the
 * guard only handles the errors that reach the listener.
 */
export interface DescriptorGuard {
  /** The listener accepted a connection. */
  opened(): void;
  /** One of its connections closed. */
  closed(): void;
  /** The listener reported an error; answers whether the guard handled it. */
  listenerError(error: unknown): boolean;
  /**
   * Stops the guard (the server is closing); it never listens again.
   * Answers whether the listener is still listening (else it is already
   * closed, and waiting for its `close` event could wait forever).
   */
  stop(): boolean;
}

/** What the guard needs from the server it protects. */
export interface DescriptorGuardOptions {
  /** The listener to pause and resume. */
  server: net.Server;
  /** Where it listens again: the port it was given (bound), and its host. */
  port: number;
  host: string;
  /** Name of the port in log lines, e.g. `"HTTP"` or `"TCP"`. */
  name: string;
  /** Receives one line when accepting stops and one when it resumes. */
  log(message: string): void;
}

/** Re-check interval while paused. */
const pausedCheckMs = 1_000;

export function createDescriptorGuard(options: DescriptorGuardOptions): DescriptorGuard {
  const { server, name, log } = options;
  const limit = softDescriptorLimit();
  const reserve = limit === undefined ? 0 : Math.min(256, Math.max(8, Math.ceil(limit / 20)));
  let state: "accepting" | "paused" | "stopped" = "accepting";
  // Descriptors in use: measured, plus the connections opened since.
  let estimate = limit === undefined ? 0 : (openDescriptors() ?? 0);
  let timer: ReturnType<typeof setInterval> | undefined;

  const measure = () => {
    estimate = openDescriptors() ?? Number.POSITIVE_INFINITY;
    return estimate;
  };

  const pause = (why: string) => {
    if (state !== "accepting") return;
    state = "paused";
    log(`${name} port: ${why}; not accepting connections until some close (new clients are refused)`);
    server.close();
    timer = setInterval(check, pausedCheckMs);
    timer.unref();
  };

  function check(): void {
    if (state !== "paused") return;
    const inUse = limit === undefined ? 0 : measure();
    if (limit !== undefined && inUse >= limit - 2 * reserve) return;
    state = "accepting";
    clearInterval(timer);
    server.listen(options.port, options.host);
    log(`${name} port: file descriptors available again (${limit === undefined ? "" : `${inUse} of ${limit} in use; `}accepting connections)`);
  }

  return {
    opened() {
      if (limit === undefined || state !== "accepting") return;
      estimate++;
      // Counting /proc/self/fd costs a directory read: only near the limit.
      if (estimate >= limit - 2 * reserve && measure() >= limit - reserve) {
        pause(`file descriptors nearly exhausted (${estimate} of ${limit} in use, EMFILE ahead)`);
      }
    },
    closed() {
      if (state === "paused") check();
      else if (estimate > 0) estimate--;
    },
    listenerError(error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== "EMFILE" && code !== "ENFILE") return false;
      pause(`out of file descriptors (${code} on accept)`);
      return true;
    },
    stop() {
      const listening = state === "accepting";
      state = "stopped";
      clearInterval(timer);
      return listening;
    },
  };
}

/** The soft limit on open files, from `/proc/self/limits`; undefined if unknown or unlimited. */
function softDescriptorLimit(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors open in this process (not counting the one reading the directory). */
function openDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined; // out of descriptors already, or no /proc
  }
}
