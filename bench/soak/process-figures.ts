import { readdirSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";

/** Memory (after a full GC), the handles keeping the event loop alive by type, and open descriptors. */
export interface ProcessFigures {
  heapUsedMb: number;
  rssMb: number;
  externalMb: number;
  handles: Record<string, number>;
  handleTotal: number;
  /** Open file descriptors (sockets included, ref'd or not); -1 where /proc is missing. */
  fds: number;
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Measures the current process after two full collections. */
export function measureProcess(): ProcessFigures {
  gc();
  gc();
  const m = process.memoryUsage();
  const handles: Record<string, number> = {};
  for (const h of process.getActiveResourcesInfo()) handles[h] = (handles[h] ?? 0) + 1;
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    heapUsedMb: mb(m.heapUsed),
    rssMb: mb(m.rss),
    externalMb: mb(m.external),
    handles,
    handleTotal: Object.values(handles).reduce((a, b) => a + b, 0),
    fds: openFds(),
  };
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}
