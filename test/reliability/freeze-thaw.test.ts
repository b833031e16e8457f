import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { bundleForNode } from "../support/bundle-for-node.js";
import { startTcpFaultProxy, type TcpFaultProxy } from "../support/tcp-fault-proxy.js";

// Freeze and thaw: the client process is stopped (SIGSTOP) while the server
// side drops its connections (the proxy resets them, or silently drops them
// like a NAT that forgot the flow), then continued (SIGCONT). The first call after the thaw,
// made before Node has even read the sockets' news, must succeed within its
// 1 s deadline, on both transports.
let server: ReferenceServer;
let grpcProxy: TcpFaultProxy;
let tcpProxy: TcpFaultProxy;
let script: string;

beforeAll(async () => {
  server = await createServer({ host: "127.0.0.1", port: 0, tcp: true });
  grpcProxy = await startTcpFaultProxy(server.port);
  tcpProxy = await startTcpFaultProxy(Number(new URL(server.tcpUrl!).port));
  script = await bundleForNode(
    new URL("./fixtures/frozen-client.ts", import.meta.url).pathname,
    new URL("../../.build/test-reliability/frozen-client.mjs", import.meta.url).pathname,
  );
});

afterAll(async () => {
  await Promise.all([grpcProxy?.close(), tcpProxy?.close()]);
  await server?.close();
});

/** The process state letter(s) `ps` reports: T stopped, S sleeping, R running. */
function processState(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "gone";
  }
}

interface Outcome { ok: boolean; ms: number; code?: string; message?: string }

async function freezeThaw(
  drop: (p: TcpFaultProxy) => void,
  trigger: "timer" | "stdin" = "timer",
): Promise<{ gap: number; grpc: Outcome; tcp: Outcome }> {
  // Its own process group (detached), so only our signals reach it; killed by PID below.
  const child = spawn(process.execPath, [script, `http://127.0.0.1:${grpcProxy.port}`, `tcp://127.0.0.1:${tcpProxy.port}`, trigger], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  child.stderr!.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const pid = child.pid!;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  try {
    for (let i = 0; i < 200 && !out.includes("frozen-client ready"); i++) await sleep(50);
    expect(out).toContain("frozen-client ready");
    signal("SIGSTOP");
    // Wait until the kernel reports the process stopped (T), bounded.
    for (let i = 0; i < 40 && !processState(pid).startsWith("T"); i++) await sleep(25);
    expect(processState(pid)).toMatch(/^T/);
    await sleep(300);
    drop(grpcProxy);
    drop(tcpProxy);
    // Longer than the freeze detectors' threshold (a 1 s tick plus a 2 s unexplained gap).
    await sleep(4000);
    signal("SIGCONT");
    if (trigger === "stdin") {
      // Let every overdue timer of the thawed process run first, then arrive by I/O.
      await sleep(200);
      child.stdin!.write("go\n");
    }
    for (let i = 0; i < 120; i++) {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) return JSON.parse(line) as { gap: number; grpc: Outcome; tcp: Outcome };
      await sleep(50);
    }
    throw new Error(`no outcome from the thawed client (process state ${processState(pid)}); output:\n${out}`);
  } finally {
    signal("SIGCONT");
    signal("SIGKILL");
    await Promise.race([exited, sleep(5000)]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("freeze and thaw of the client process", () => {
  it("server side reset the connections while frozen: the first calls after SIGCONT succeed", async () => {
    const r = await freezeThaw((p) => p.resetAll());
    expect(r.gap).toBeGreaterThan(3000);
    expect(r.grpc, JSON.stringify(r)).toMatchObject({ ok: true });
    expect(r.tcp, JSON.stringify(r)).toMatchObject({ ok: true });
  }, 25_000);

  it("server side silently dropped the connections while frozen (a NAT forgot them): the first calls after SIGCONT succeed", async () => {
    const r = await freezeThaw((p) => p.blackHoleExisting());
    expect(r.gap).toBeGreaterThan(3000);
    expect(r.grpc, JSON.stringify(r)).toMatchObject({ ok: true });
    expect(r.tcp, JSON.stringify(r)).toMatchObject({ ok: true });
  }, 25_000);

  it("the first calls arrive by I/O after the overdue timers ran (as a Lambda invocation does), on silently dropped connections: they succeed", async () => {
    const r = await freezeThaw((p) => p.blackHoleExisting(), "stdin");
    expect(r.gap).toBeGreaterThan(3000);
    expect(r.grpc, JSON.stringify(r)).toMatchObject({ ok: true });
    expect(r.tcp, JSON.stringify(r)).toMatchObject({ ok: true });
  }, 25_000);
});
