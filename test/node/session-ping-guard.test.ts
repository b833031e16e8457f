import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

// connect-node's keepalive PING can fire in the same timers phase as the
// destruction of its session (here: the client's close() while a call is in
// flight, run by a timer that blocks until the PING is due). Unguarded, Node's
// session.ping() throws ERR_HTTP2_INVALID_SESSION from the timer and the
// process dies with an uncaught exception (connect-es issue 1795).
const entry = new URL("../../dist/index-node.js", import.meta.url).href;

const script = `
import * as http2 from "node:http2";
import { createClient } from ${JSON.stringify(entry)};
process.on("uncaughtException", (e) => { console.log("UNCAUGHT " + e.message); process.exit(3); });
// A server that accepts each call and never answers: the call stays in flight.
const server = http2.createServer();
server.on("stream", (stream) => stream.on("error", () => {}));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = "http://127.0.0.1:" + server.address().port;
const request = { requestId: "r", customerId: "c", platform: "meta", eventHistory: [] };
for (let round = 0; round < 5; round++) {
  const client = createClient({ prediction: { url, http2: { pingIntervalMs: 100, sessions: 1 } }, timeoutMs: 5000, cache: false, fallback: false, retry: false });
  const call = client.prediction.predictLTV(request).catch((e) => e.code);
  await new Promise((resolve) => setTimeout(() => {
    const end = performance.now() + 150; // past the PING's due time
    while (performance.now() < end);
    void client.close();
    resolve();
  }, 30));
  await call;
  await new Promise((r) => setTimeout(r, 30));
}
console.log("survived");
server.close();
`;

describe("keepalive PING on a destroyed HTTP/2 session", () => {
  it("a PING due as close() destroys the session with a call in flight does not crash the process", async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), 20_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).not.toContain("UNCAUGHT");
    expect(out).toContain("survived");
    expect(code, out).toBe(0);
  }, 30_000);
});
