import type { FaultCounts } from "./soak-faults.js";
import type { WorkloadResult } from "./soak-workload.js";

/** Everything the soak measured; `passed` holds when every invariant held. */
export interface SoakSummary {
  options: { calls: number; concurrency: number; seed: number; killMeanMs: number; resetMeanMs: number; timeoutMs: number };
  client: WorkloadResult;
  faults: FaultCounts;
  /** Concept ids the server applied more than once (journal lines per id > 1). */
  duplicates: number;
  /** Writes acknowledged to the client but absent from the server's journal. */
  lostWrites: number;
  /** Writes that failed on the client yet were applied (ambiguous by nature: an answer lost to a fault). */
  appliedButFailed: number;
  failures: string[];
  passed: boolean;
}

/** The invariants of the soak; each failure is one line. */
export function checkInvariants(s: Omit<SoakSummary, "failures" | "passed">): string[] {
  const f: string[] = [];
  const c = s.client;
  if (c.mismatches > 0) f.push(`${c.mismatches} calls answered with another call's response`);
  if (c.hung > 0) f.push(`${c.hung} calls neither answered nor failed (lost)`);
  if (c.unclearErrors > 0) f.push(`${c.unclearErrors} rejections without a code and message`);
  if (s.duplicates > 0) f.push(`${s.duplicates} writes applied twice`);
  if (s.lostWrites > 0) f.push(`${s.lostWrites} acknowledged writes lost`);
  if (c.ok + Object.values(c.errorsByCode).reduce((a, b) => a + b, 0) + c.mismatches + c.hung + c.unclearErrors !== c.calls) {
    f.push("calls do not add up: some call has no outcome");
  }
  if (c.settle.failures > 0) f.push(`${c.settle.failures} of ${c.settle.calls} fault-free calls failed after the faults stopped`);
  if (c.after.heapUsedMb > c.before.heapUsedMb + 32) f.push(`client heap grew from ${c.before.heapUsedMb} to ${c.after.heapUsedMb} MB`);
  if (c.after.handleTotal > c.before.handleTotal + 4) f.push(`client handles grew from ${c.before.handleTotal} to ${c.after.handleTotal}`);
  if (c.after.fds > c.before.fds + 8) f.push(`client descriptors grew from ${c.before.fds} to ${c.after.fds}`);
  if (c.closed.fds > c.before.fds) f.push(`client kept ${c.closed.fds} descriptors after close (${c.before.fds} while running)`);
  return f;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** The human summary printed at the end of `npm run soak`. */
export function formatSummary(s: SoakSummary): string {
  const c = s.client;
  const errors = Object.entries(c.errorsByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${fmt(n)}`)
    .join(", ");
  const handles = (h: Record<string, number>) =>
    Object.entries(h)
      .map(([k, v]) => `${k}:${v}`)
      .join(" ");
  return [
    "",
    `== soak summary (${s.passed ? "PASSED" : "FAILED"})`,
    `calls            ${fmt(c.calls)} (tcp ${fmt(c.byTransport.tcp)}, grpc ${fmt(c.byTransport.grpc)}) in ${c.seconds.toFixed(1)} s, ${fmt(Math.round(c.calls / c.seconds))}/s${c.stoppedByTime ? " (stopped by --max-seconds)" : ""}`,
    `succeeded        ${fmt(c.ok)}`,
    `errors by code   ${errors || "none"}`,
    ...Object.entries(c.errorSamples).map(([k, m]) => `  e.g. ${k.padEnd(26)} ${m}`),
    `unclear errors   ${fmt(c.unclearErrors)}`,
    `mismatches       ${fmt(c.mismatches)}${c.mismatchSamples.length ? ` e.g. ${c.mismatchSamples.slice(0, 3).join("; ")}` : ""}`,
    `hung (lost)      ${fmt(c.hung)}`,
    `writes           ${fmt(c.ackedWrites)} acknowledged, ${fmt(c.failedWrites)} failed (${fmt(s.appliedButFailed)} of those applied)`,
    `duplicates       ${fmt(s.duplicates)}`,
    `lost writes      ${fmt(s.lostWrites)}`,
    `faults           ${s.faults.kills} server kills (${(s.faults.downtimeMs / 1000).toFixed(1)} s down), ${s.faults.resetEvents} proxy resets of ${fmt(s.faults.connectionsReset)} connections`,
    `recovery         first success after ${c.settle.firstSuccessMs.tcp} ms (tcp), ${c.settle.firstSuccessMs.grpc} ms (grpc); ${c.settle.failures}/${c.settle.calls} fault-free calls failed`,
    `client heap      ${c.before.heapUsedMb} MB before, ${c.after.heapUsedMb} MB after (rss ${c.before.rssMb} -> ${c.after.rssMb} MB)`,
    `client fds       ${c.before.fds} before, ${c.after.fds} after, ${c.closed.fds} after close`,
    `client handles   ${c.before.handleTotal} before [${handles(c.before.handles)}], ${c.after.handleTotal} after [${handles(c.after.handles)}], ${c.closed.handleTotal} after close [${handles(c.closed.handles)}]`,
    ...s.failures.map((f) => `FAILED: ${f}`),
  ].join("\n");
}
