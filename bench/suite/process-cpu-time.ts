import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time another process has used so far, in microseconds, summed over its
 * threads (the main thread, libuv's pool, V8's GC helpers), from Linux's
 * `/proc/<pid>/task/<tid>/schedstat` (nanoseconds). `undefined` where that is
 * not available (not Linux, or the process is gone).
 */
export function processCpuMicros(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return ns / 1000;
  } catch {
    return undefined;
  }
}
