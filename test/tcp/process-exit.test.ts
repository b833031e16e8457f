import { spawn } from "node:child_process";
import * as net from "node:net";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerProcess } from "../support/server-process.js";
import { startRustStyle } from "./tcp-test-support.js";

// The fixture is bundled into the git-ignored .build/ folder of the repo, so its
// package imports resolve from the repo's node_modules.
const repo = new URL("../..", import.meta.url).pathname;
const script = `${repo}.build/test-tcp/idle-client-exits.mjs`;
let server: ServerProcess;

beforeAll(async () => {
  server = await startRustStyle();
  await build({
    entryPoints: [new URL("./fixtures/idle-client-exits.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: script,
    packages: "external",
    logLevel: "silent",
  });
});
afterAll(async () => {
  await server?.kill();
});

describe("TCP transport and process exit", () => {
  it("a process with a warm, unclosed TCP pool and a dead endpoint's reconnect timer exits by itself", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const child = spawn(process.execPath, [script, `tcp://127.0.0.1:${server.ready.port}`, `tcp://127.0.0.1:${deadPort}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | string | null>((resolve) => {
      const timer = setTimeout(() => {
        if (child.pid) process.kill(child.pid, "SIGKILL");
        resolve("killed: still alive after 8 s");
      }, 8000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain("answered exit-check open=2");
    expect(out).toContain("dead: ");
    expect(code, out).toBe(0);
  });
});
