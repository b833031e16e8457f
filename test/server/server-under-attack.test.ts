// The reference server (the CLI, bundled from source) in its own process on
// 127.0.0.1, attacked over raw sockets while a good client keeps calling it.
// Its memory is read from /proc/PID/status; the bounds are generous (the
// machine is shared), but far below what the attacks cost without the limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { build } from "esbuild";
import { Packr } from "msgpackr";
import { Code, ConnectError } from "@connectrpc/connect";
import { createClient } from "../../src/node/create-client-node.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { peakResidentBytes, residentBytes } from "../support/server-memory.js";

const MiB = 1024 * 1024;
const TOKEN = "attack-test-token";
const wireOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
// Plain MessagePack, as on the wire: no records.
const packr = new Packr({ useRecords: false });

let cli: string;
beforeAll(async () => {
  // One file with its dependencies: a process with `ulimit -n 64` cannot open them all as modules.
  cli = ".build/test/server-under-attack/syncvalue-cli.mjs";
  await build({ entryPoints: ["src/cli/syncvalue-cli.ts"], outfile: cli, bundle: true, platform: "node", format: "esm", logLevel: "warning" });
});

interface Served extends ServerProcess {
  url: string;
  tcpUrl: string;
  tcpPort: number;
}

async function serve(flags: string[] = [], env: Record<string, string> = {}, shell?: string): Promise<Served> {
  const argv = [process.execPath, cli, "serve", "--host", "127.0.0.1", "--port", "0", "--tcp-port", "0", ...flags];
  const command = shell === undefined ? argv : ["bash", "-c", `${shell}; exec "$@"`, "bash", ...argv];
  const proc = await spawnServer({
    command,
    env,
    ready: /listening http=(?<url>http:\/\/127\.0\.0\.1:\d+) tcp=(?<tcp>tcp:\/\/127\.0\.0\.1:(?<tcpPort>\d+))/,
  });
  return Object.assign(proc, { url: proc.ready.url!, tcpUrl: proc.ready.tcp!, tcpPort: Number(proc.ready.tcpPort) });
}

function frame(value: unknown): Buffer {
  const payload = packr.pack(value);
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends one frame on a fresh connection and returns the decoded answer (bounded in time). */
async function callRaw(port: number, value: unknown, hello?: Buffer): Promise<unknown> {
  const socket = await connectRaw(port);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      let got = Buffer.alloc(0);
      let skip = hello ? 1 : 0;
      socket.on("data", (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < skip + 4) return;
        const n = got.readUInt32BE(skip);
        if (got.length < skip + 4 + n) return;
        clearTimeout(timer);
        resolve(packr.unpack(got.subarray(skip + 4, skip + 4 + n)));
      });
      socket.once("close", () => reject(new Error("closed before the answer")));
      if (hello) socket.write(hello);
      socket.write(frame(value));
    });
  } finally {
    socket.destroy();
  }
}

describe("TCP port under write back-pressure", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve();
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("stops reading requests from connections that never read their answers", async () => {
    const big = "x".repeat(MiB);
    const learned = await callRaw(server.tcpPort, {
      LearnConcept: { concept_id: "big", content: big, embedding: [], strength: 1, confidence: 1 },
    });
    expect(learned).toHaveProperty("LearnConceptOk");
    const before = residentBytes(server.pid);
    // Two connections pipeline 400 queries of the 1 MiB concept each and never read.
    const query = frame({ QueryConcept: { concept_id: "big" } });
    const attackers = await Promise.all([connectRaw(server.tcpPort), connectRaw(server.tcpPort)]);
    try {
      for (const socket of attackers) {
        socket.pause();
        socket.on("error", () => undefined);
        socket.write(Buffer.concat(Array.from({ length: 400 }, () => query)));
      }
      const peak = peakResidentBytes(server.pid, 4_000);
      // Meanwhile a good client gets its answers.
      const client = createClient({ storage: server.tcpUrl, prediction: server.tcpUrl, timeoutMs: 10_000, ...wireOnly });
      try {
        for (let i = 0; i < 5; i++) {
          const got = await client.storage.queryConcept({ conceptId: "big" });
          expect(got.content.length).toBe(MiB);
        }
      } finally {
        await client.close();
      }
      const grown = (await peak) - before;
      // Without back-pressure this grows by ~800 MB in 4 s (400 MiB per connection).
      expect(grown).toBeLessThan(200 * MiB);
    } finally {
      for (const socket of attackers) socket.destroy();
    }
  });
});

describe("HTTP/1.1 pipelining under write back-pressure", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve();
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("answers pipelined requests at the pace the client reads them", async () => {
    const learned = await callRaw(server.tcpPort, {
      LearnConcept: { concept_id: "big", content: "x".repeat(MiB), embedding: [], strength: 1, confidence: 1 },
    });
    expect(learned).toHaveProperty("LearnConceptOk");
    const httpPort = Number(new URL(server.url).port);
    const body = Uint8Array.of(0x0a, 3, 0x62, 0x69, 0x67); // QueryConceptRequest { concept_id: "big" }
    const head =
      "POST /sutra.storage.StorageService/QueryConcept HTTP/1.1\r\nhost: 127.0.0.1\r\n" +
      `content-type: application/proto\r\nconnect-protocol-version: 1\r\ncontent-length: ${body.length}\r\n\r\n`;
    const request = Buffer.concat([Buffer.from(head, "latin1"), body]);
    const before = residentBytes(server.pid);
    const attackers = await Promise.all([connectRaw(httpPort), connectRaw(httpPort)]);
    try {
      for (const socket of attackers) {
        socket.pause();
        socket.on("error", () => undefined);
        socket.write(Buffer.concat(Array.from({ length: 400 }, () => request)));
      }
      const peak = peakResidentBytes(server.pid, 6_000);
      const client = createClient({ storage: server.url, prediction: server.url, timeoutMs: 10_000, ...wireOnly });
      try {
        for (let i = 0; i < 3; i++) expect((await client.storage.queryConcept({ conceptId: "big" })).content.length).toBe(MiB);
      } finally {
        await client.close();
      }
      // Without the queue every answer is computed and held: hundreds of MB.
      expect((await peak) - before).toBeLessThan(60 * MiB);
    } finally {
      for (const socket of attackers) socket.destroy();
    }
  });
});

/**
 * POSTs a body of `totalBytes` (written lazily, 1 MiB at a time, with
 * back-pressure) and resolves with the response status as soon as the
 * response arrives; writing stops then. Bounded by `totalBytes` and 30 s.
 */
/**
 * `postOnce`, again (at most 3 tries) when the server's early answer and its close of the connection race the
 * client's writes: the client then sees EPIPE or ECONNRESET before it has read the status line. Any other error,
 * or a wrong status, still fails.
 */
async function postHuge(url: string, path: string, headers: Record<string, string>, totalBytes: number, announce = true): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(url, path, headers, totalBytes, announce);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 3 || (code !== "EPIPE" && code !== "ECONNRESET")) throw e;
    }
  }
}

function postOnce(url: string, path: string, headers: Record<string, string>, totalBytes: number, announce: boolean): Promise<number> {
  const chunk = Buffer.alloc(MiB, 0x41);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no response within 30 s")), 30_000);
    const req = http.request(`${url}${path}`, {
      method: "POST",
      headers: { ...headers, ...(announce ? { "content-length": String(totalBytes) } : {}) },
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on("error", (e) => {
      if (!answered) {
        clearTimeout(timer);
        reject(e);
      }
    });
    let sent = 0;
    const pump = () => {
      while (!answered && sent < totalBytes) {
        const n = Math.min(MiB, totalBytes - sent);
        sent += n;
        if (!req.write(n === MiB ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("HTTP port: token and size checked before the body is read", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve([], { SYNCVALUE_AUTH_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("answers two unauthenticated 256 MB Connect bodies with 401 without reading them", async () => {
    const before = residentBytes(server.pid);
    const peak = peakResidentBytes(server.pid, 3_000);
    const headers = { "content-type": "application/proto", "connect-protocol-version": "1" };
    const path = "/sutra.storage.StorageService/LearnConcept";
    const statuses = await Promise.all([
      postHuge(server.url, path, headers, 256 * MiB),
      postHuge(server.url, path, { ...headers, authorization: "Bearer wrong" }, 256 * MiB, false),
    ]);
    expect(statuses).toEqual([401, 401]);
    // A good client with the token is answered meanwhile.
    const client = createClient({ storage: server.url, prediction: server.url, auth: { token: TOKEN }, timeoutMs: 10_000, ...wireOnly });
    try {
      expect((await client.storage.healthCheck({})).healthy).toBe(true);
    } finally {
      await client.close();
    }
    expect((await peak) - before).toBeLessThan(100 * MiB);
  });

  it("refuses an unauthenticated gRPC call over HTTP/2 with Unauthenticated from the headers", async () => {
    const session = http2.connect(server.url);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/sutra.storage.StorageService/LearnConcept",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => undefined);
      stream.write(Buffer.alloc(64 * 1024));
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no response within 10 s")), 10_000);
        stream.once("response", (h) => {
          clearTimeout(timer);
          resolve(h);
        });
      });
      expect(headers[":status"]).toBe(200);
      expect(headers["grpc-status"]).toBe("16");
    } finally {
      session.destroy();
    }
  });

  it("refuses a body over the size limit with 413 before reading it, and counts one without content-length", async () => {
    const headers = { "content-type": "application/proto", "connect-protocol-version": "1", authorization: `Bearer ${TOKEN}` };
    const path = "/sutra.storage.StorageService/LearnConcept";
    const before = residentBytes(server.pid);
    const peak = peakResidentBytes(server.pid, 2_000);
    expect(await postHuge(server.url, path, headers, 256 * MiB)).toBe(413);
    // Chunked, no length announced: refused once it passes 16 MiB (Connect's ResourceExhausted is HTTP 429).
    expect(await postHuge(server.url, path, headers, 64 * MiB, false)).toBe(429);
    expect((await peak) - before).toBeLessThan(100 * MiB);
  });
});

/** Resolves with how long the server took to close the socket; rejects after `withinMs`. */
function closedWithin(socket: net.Socket, withinMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${withinMs} ms`)), withinMs);
    socket.on("error", () => undefined);
    socket.resume(); // 'close' waits for what was received to be read
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe("handshake timeout on both ports", () => {
  let server: Served;
  beforeAll(async () => {
    // A long idle timeout: only the handshake timeout can close these connections in time.
    server = await serve(["--handshake-timeout-ms", "1000", "--idle-timeout-ms", "60000"], { SYNCVALUE_AUTH_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("closes connections that never finish their handshake, and serves a good client meanwhile", async () => {
    const httpPort = Number(new URL(server.url).port);
    const silentTcp = await connectRaw(server.tcpPort);
    const stalledTcp = await connectRaw(server.tcpPort);
    stalledTcp.write(Uint8Array.of(0, 0, 0, TOKEN.length, 0x61)); // a token that never ends
    const silentHttp = await connectRaw(httpPort);
    const stalledHttp = await connectRaw(httpPort);
    stalledHttp.write("PRI * HTTP/2.0\r\n"); // half a preface
    const closed = Promise.all([silentTcp, stalledTcp, silentHttp, stalledHttp].map((s) => closedWithin(s, 15_000)));
    const client = createClient({ storage: server.tcpUrl, prediction: server.url, auth: { token: TOKEN }, timeoutMs: 10_000, ...wireOnly });
    try {
      expect((await client.storage.healthCheck({})).healthy).toBe(true);
      expect((await client.prediction.getModelHealth({})).isHealthy).toBe(true);
    } finally {
      await client.close();
    }
    // Without the timeout they stay open (the idle timeout is a minute away).
    for (const ms of await closed) expect(ms).toBeLessThan(15_000);
  });
});

describe("idle timeout on both ports", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve(["--idle-timeout-ms", "1000"]);
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("closes connections that stay silent after their handshake", async () => {
    const httpPort = Number(new URL(server.url).port);
    const silentTcp = await connectRaw(server.tcpPort);
    // An answered TCP request, then silence.
    const usedTcp = await connectRaw(server.tcpPort);
    usedTcp.write(frame("HealthCheck"));
    // An HTTP/2 session that sent its preface and settings, then nothing.
    const session = http2.connect(server.url);
    const sessionClosed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("HTTP/2 session still open after 15 s")), 15_000);
      session.on("error", () => undefined);
      session.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // An HTTP/1.1 request line without its end: the handshake is done, then silence.
    const silentHttp1 = await connectRaw(httpPort);
    silentHttp1.write("POST /sutra.storage.StorageService/HealthCheck HTTP/1.1\r\n");
    const closed = Promise.all([silentTcp, usedTcp, silentHttp1].map((s) => closedWithin(s, 15_000)));
    await Promise.all([closed, sessionClosed]);
  });
});

describe("file descriptors running out (ulimit -n 64)", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve(["--handshake-timeout-ms", "60000"], { SYNCVALUE_AUTH_TOKEN: TOKEN }, "ulimit -n 64");
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("refuses connections (a connection error, not a refused token), logs it once, and serves again once descriptors free up", async () => {
    const hogs: net.Socket[] = [];
    // Silent connections until the server stops accepting them (bounded: 200).
    for (let i = 0; i < 200; i++) {
      try {
        const socket = await connectRaw(server.tcpPort);
        socket.on("error", () => undefined);
        hogs.push(socket);
      } catch {
        break;
      }
    }
    const make = () => createClient({ storage: server.tcpUrl, prediction: server.url, auth: { token: TOKEN }, timeoutMs: 5_000, ...wireOnly });
    const client = make();
    try {
      const err = await client.storage.healthCheck({}).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code, err?.message).toBe(Code.Unavailable);
    } finally {
      await client.close();
    }
    expect(server.output().match(/TCP port: file descriptors nearly exhausted/g)).toHaveLength(1);

    for (const socket of hogs) socket.destroy();
    // Serving again once descriptors are free (bounded: 40 tries, 20 s).
    let healthy = false;
    for (let i = 0; i < 40 && !healthy; i++) {
      const again = make();
      try {
        healthy = (await again.storage.healthCheck({})).healthy;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await again.close();
      }
    }
    expect(healthy).toBe(true);
    expect(server.output()).toMatch(/TCP port: file descriptors available again/);
  }, 60_000);
});
