// End to end: the built CLI (`npx tsup` first; `npm test` builds) in a child
// process on 127.0.0.1, called over gRPC, Connect, gRPC-web and plain HTTP/1.1 JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const CLI = "dist/cli/syncvalue-cli.js";
const READY = /syncvalue reference server listening http=(?<url>http:\/\/127\.0\.0\.1:(?<port>\d+))/;

function runCli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 10_000 });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsup\` before these tests`);
});

describe("syncvalue serve", () => {
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    server = await spawnServer({ command: [process.execPath, CLI, "serve", "--port", "0", "--tcp-port", "0", "--host", "127.0.0.1"], ready: READY });
    url = server.ready.url!;
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("prints exactly one ready line", () => {
    expect(server.output().match(/syncvalue reference server listening/g)).toHaveLength(1);
    expect(Number(server.ready.port)).toBeGreaterThan(0);
  });

  it("answers predictions over gRPC, Connect and gRPC-web", async () => {
    const request = {
      requestId: "e2e",
      timestampMs: 1_700_000_000_000n,
      customerId: "c",
      platform: "google_ads",
      eventHistory: [{ timestampMs: 1_699_000_000_000n, eventType: "purchase", eventValue: 42 }],
    };
    const transports = {
      grpc: createGrpcTransport({ baseUrl: url }),
      connect: createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
      connectHttp2: createConnectTransport({ baseUrl: url, httpVersion: "2" }),
      grpcWeb: createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
    };
    const values = new Set<number>();
    for (const [name, transport] of Object.entries(transports)) {
      const res = await createClient(SyncValueService, transport).predictLTV(request);
      expect(res.status, name).toBe(PredictionStatus.SUCCESS);
      expect(res.requestId, name).toBe("e2e");
      expect(res.ltvLowerBound).toBeLessThanOrEqual(res.predictedLtv);
      expect(res.predictedLtv).toBeLessThanOrEqual(res.ltvUpperBound);
      values.add(res.predictedLtv);
    }
    expect(values.size).toBe(1);
  });

  it("answers Connect JSON over HTTP/1.1", async () => {
    const res = await fetch(`${url}/syncvalue.v1.SyncValueService/PredictLTV`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "j", platform: "meta" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "INSUFFICIENT_DATA", modelVersion: "baseline-rfm-1" });
    const stats = await fetch(`${url}/sutra.storage.StorageService/GetStats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(stats.status).toBe(200);
  });

  it("serves storage and reports health of the running process", async () => {
    const transport = createGrpcTransport({ baseUrl: url });
    const storage = createClient(StorageService, transport);
    const seq = await storage.learnConcept({ conceptId: "cli", content: "hello" });
    expect(seq.sequence).toBeGreaterThan(0n);
    expect((await storage.queryConcept({ conceptId: "cli" })).content).toBe("hello");
    const health = await createClient(SyncValueService, transport).getModelHealth({ includeMetrics: true });
    expect(health.isHealthy).toBe(true);
    expect(health.predictionsToday).toBeGreaterThanOrEqual(5n); // the calls of the tests above
    expect(health.activeConnections).toBeGreaterThanOrEqual(1);
  });
});

describe("syncvalue command line", () => {
  it("prints help and exits 0", () => {
    const r = runCli("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: syncvalue serve [--port N] [--host HOST] [--tcp-port N | --no-tcp]");
  });

  it("rejects a bad flag with exit code 2 and a clear message", () => {
    // Every other usage error goes through the same path; serve-arguments.test.ts covers them in-process.
    const r = runCli("serve", "--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
    expect(r.stderr).toContain("syncvalue --help");
    expect(r.stdout).toBe("");
  });

  it("stops cleanly with exit code 0 on SIGTERM and SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--no-tcp"], { stdio: ["ignore", "pipe", "pipe"] });
      try {
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no ready line within 10 s")), 10_000);
          let out = "";
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            if (READY.test(out)) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        process.kill(child.pid!, signal);
        const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
        expect(code, signal).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
      }
    }
  });

  it("exits 1 when the port is taken", async () => {
    const first = await spawnServer({ command: [process.execPath, CLI, "serve", "--port", "0", "--no-tcp"], ready: READY });
    try {
      const r = runCli("serve", "--no-tcp", "--port", first.ready.port!);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/cannot start the server: .*EADDRINUSE/);
    } finally {
      await first.kill();
    }
  });
});
