import { spawn } from "node:child_process";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import type { SoakSummary } from "../../bench/soak/soak-report.js";

// The short version of `npm run soak`: the same three processes (orchestrator,
// server killed and restarted on its ports, client through resetting proxies)
// with a few thousand calls and frequent faults. Fixed seed.
const outfile = new URL("../../.build/test-soak/run-soak.mjs", import.meta.url).pathname;

async function runSoak(args: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await build({
    entryPoints: [new URL("../../bench/soak/run-soak.ts", import.meta.url).pathname],
    outfile, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "warning",
  });
  // Its own process group: the orchestrator starts the server and the client, and a SIGKILL of the
  // orchestrator alone (on the time limit) would leave them running; the whole group is killed instead.
  const child = spawn(process.execPath, [outfile, ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const timer = setTimeout(killGroup, limitMs);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  clearTimeout(timer);
  killGroup(); // whatever the orchestrator left behind
  return { code, stdout, stderr };
}

describe("soak under faults (short)", () => {
  it("every call gets its own answer or a clear error; no write lost or applied twice; the client stays flat", async () => {
    const { code, stdout, stderr } = await runSoak(
      ["--calls", "3000", "--concurrency", "32", "--seed", "7", "--kill-mean-ms", "1200", "--reset-mean-ms", "300", "--max-seconds", "25", "--json"],
      60_000,
    );
    const last = stdout.trim().split("\n").pop() ?? "";
    expect(last.startsWith("{"), `no summary; stderr:\n${stderr.slice(-2000)}`).toBe(true);
    const s = JSON.parse(last) as SoakSummary;
    expect(s.failures).toEqual([]);
    expect(code).toBe(0);
    expect(s.client.calls).toBe(3000);
    expect(s.client.mismatches).toBe(0);
    expect(s.client.hung).toBe(0);
    expect(s.client.unclearErrors).toBe(0);
    expect(s.duplicates).toBe(0);
    expect(s.lostWrites).toBe(0);
    // The faults really happened, and calls still got through between them.
    expect(s.faults.kills + s.faults.resetEvents).toBeGreaterThan(0);
    expect(s.client.ok).toBeGreaterThan(0);
    expect(s.client.ackedWrites).toBeGreaterThan(0);
    // Only outage codes: a lost connection is never blamed on the caller or the input.
    for (const code of Object.keys(s.client.errorsByCode)) expect(["Unavailable", "DeadlineExceeded"]).toContain(code);
    expect(s.client.settle.failures).toBe(0);
    expect(s.client.closed.fds).toBeLessThanOrEqual(s.client.before.fds);
  }, 70_000);
});
