import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

// A bidder's process must be able to exit: neither an idle client (warm
// HTTP/2 session, PING timers) nor a closed one may keep Node alive.
let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServer();
});
afterAll(async () => {
  await server?.kill();
});

const entry = new URL("../../dist/index-node.js", import.meta.url).href;

function runScript(body: string, limitMs: number): Promise<{ code: number | null; out: string; ms: number }> {
  const script = `import { createClient } from ${JSON.stringify(entry)};\n${body}`;
  const t0 = Date.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}

const call = `await client.prediction.predictLTV({ requestId: "r", customerId: "c", platform: "x", eventHistory: [] });`;

describe("process exit", () => {
  it("a process with an idle, unclosed client exits by itself", async () => {
    const r = await runScript(`const client = createClient({ prediction: ${JSON.stringify(server.url)}, timeoutMs: 5000 });\n${call}\nconsole.log("called");`, 8_000);
    expect(r.out).toContain("called");
    expect(r.code, r.out).toBe(0);
  });

  it("close() ends every connection and timer", async () => {
    const r = await runScript(
      `const client = createClient({ prediction: ${JSON.stringify(server.url)}, storage: ${JSON.stringify(server.url)}, timeoutMs: 5000 });\nawait client.warmup();\n${call}\nawait client.close();\nconsole.log("closed");`,
      8_000,
    );
    expect(r.out).toContain("closed");
    expect(r.code, r.out).toBe(0);
  });

  // Connect's runUnaryCall arms the deadline timer, then calls the interceptors outside a try: a
  // synchronous throw used to leave that timer armed, and the process alive for the whole timeoutMs.
  for (const via of ["http", "tcp"] as const) {
    it(`over ${via}, a call whose interceptor throws synchronously leaves no timer behind: the process exits after close()`, async () => {
      const url = via === "http" ? server.url : server.tcpUrl;
      const r = await runScript(
        `const client = createClient({ prediction: ${JSON.stringify(url)}, timeoutMs: 120000, interceptors: [() => () => { throw new Error("interceptor refused"); }] });\n` +
          `try { ${call} } catch (e) { console.log("failed:", e.message); }\nawait client.close();\nconsole.log("closed");`,
        20_000,
      );
      expect(r.out).toContain("failed: [unknown] interceptor refused");
      expect(r.out).toContain("closed");
      // Killed at 20 s (code null) if a 120 s timer were left.
      expect(r.code, r.out).toBe(0);
    });
  }
});
