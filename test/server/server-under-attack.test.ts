// The reference server (the CLI, bundled from source) in its own process on
// 127.0.0.1, attacked over raw sockets while a good client keeps calling it.
// Its memory is read from /proc/PID/status; the bounds are generous (the
// machine is shared), but far below what the attacks cost without the limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as net from "node:net";
import { Packr } from "msgpackr";
import { createClient } from "../../src/node/create-client-node.js";
import { bundleForNode } from "../support/bundle-for-node.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { peakResidentBytes, residentBytes } from "../support/server-memory.js";

const MiB = 1024 * 1024;
const TOKEN = "attack-test-token";
const wireOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
// Plain MessagePack, as on the wire: no records.
const packr = new Packr({ useRecords: false });

let cli: string;
beforeAll(async () => {
  cli = await bundleForNode("src/cli/syncvalue-cli.ts", ".build/test/server-under-attack/syncvalue-cli.mjs");
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
