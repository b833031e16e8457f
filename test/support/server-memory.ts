import { readFileSync } from "node:fs";

/** Resident set size of a process in bytes, from `/proc/PID/status` (Linux). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Samples a process's RSS every `everyMs` for `forMs` (bounded in count
 * and time) and returns the highest value seen.
 */
export async function peakResidentBytes(pid: number, forMs: number, everyMs = 100): Promise<number> {
  let peak = residentBytes(pid);
  const until = Date.now() + forMs;
  for (let i = 0; i < Math.ceil(forMs / everyMs) && Date.now() < until; i++) {
    await new Promise((r) => setTimeout(r, everyMs));
    try {
      peak = Math.max(peak, residentBytes(pid));
    } catch {
      break; // the process is gone (its test failed and killed it)
    }
  }
  return peak;
}
