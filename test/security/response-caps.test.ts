import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, createClient as createConnectClient, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionResponseSchema, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createFetchTransport } from "../../src/web/index.js";
import { failure } from "../support/call-failure.js";

// Hostile servers of our own, over HTTP/1.1 and HTTP/2: each answers a call
// with a body that never ends (64 KiB chunks, at most 256 MiB, as fast as the
// client reads), or with 3 MiB and then silence. The client must refuse with
// ResourceExhausted within the call's deadline, having let the server send
// little more than its cap: what a server could push is what a client buffers.
const MiB = 1024 * 1024;
const sendLimit = 256 * MiB;
type Mode = "endless" | "hold-3mib" | "ok";
let mode: Mode = "endless";
/** Bytes the servers wrote into response bodies since the last reset. */
let sent = 0;
const open = new Set<{ destroy(): void }>();

function contentType(requestType: string): string {
  if (requestType.startsWith("application/grpc-web")) return "application/grpc-web+proto";
  if (requestType.startsWith("application/grpc")) return "application/grpc+proto";
  return "application/proto";
}

/** A body for the protocol: gRPC(-web) framing announcing a huge message, or bare bytes (Connect). */
function bodyStart(type: string): Buffer {
  if (type === "application/proto") return Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(0x7fffffff, 1);
  return head;
}

function okBody(type: string): Buffer {
  const msg = toBinary(LTVPredictionResponseSchema, create(LTVPredictionResponseSchema, { requestId: "caps-1", predictedLtv: 2 }));
  if (type === "application/proto") return Buffer.from(msg);
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  if (type === "application/grpc-web+proto") {
    const trailer = Buffer.from("grpc-status: 0\r\n");
    const t = Buffer.alloc(5);
    t[0] = 0x80;
    t.writeUInt32BE(trailer.length, 1);
    return Buffer.concat([out, t, trailer]);
  }
  return out;
}

/** Writes 64 KiB chunks while the peer reads, up to `limit` bytes, then stops (never ends the body). */
function pump(w: { write(b: Buffer): boolean; once(e: "drain", f: () => void): unknown; destroyed: boolean }, limit: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x2a);
  let mine = 0;
  const loop = () => {
    while (!w.destroyed && mine < limit) {
      mine += chunk.length;
      sent += chunk.length;
      if (!w.write(chunk)) {
        w.once("drain", loop);
        return;
      }
    }
  };
  loop();
}

let h2: http2.Http2Server;
let h1: http.Server;
let h2Url: string;
let h1Url: string;

beforeAll(async () => {
  h2 = http2.createServer();
  h2.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    open.add(stream);
    stream.on("close", () => open.delete(stream));
    stream.on("data", () => {});
    stream.on("end", () => {
      const type = contentType(String(headers["content-type"] ?? ""));
      if (mode === "ok") {
        stream.respond({ ":status": 200, "content-type": type }, { waitForTrailers: type === "application/grpc+proto" });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(okBody(type));
        return;
      }
      stream.respond({ ":status": 200, "content-type": type });
      stream.write(bodyStart(type));
      pump(stream, mode === "endless" ? sendLimit : 3 * MiB);
    });
  });
  h1 = http.createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      const type = contentType(String(req.headers["content-type"] ?? ""));
      open.add(res.socket!);
      res.on("close", () => open.delete(res.socket!));
      res.writeHead(200, { "content-type": type });
      if (mode === "ok") {
        res.end(okBody(type));
        return;
      }
      res.write(bodyStart(type));
      pump(res, mode === "endless" ? sendLimit : 3 * MiB);
    });
  });
  await Promise.all([
    new Promise<void>((r) => h2.listen(0, "127.0.0.1", r)),
    new Promise<void>((r) => h1.listen(0, "127.0.0.1", r)),
  ]);
  h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of open) s.destroy();
  h1.closeAllConnections();
  await Promise.all([new Promise((r) => h2.close(r)), new Promise((r) => h1.close(r))]);
});

const bare = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
const request = { requestId: "caps-1", customerId: "c-1", platform: "meta" };
const passThrough: Interceptor = (next) => (req) => next(req);
const timeoutMs = 10_000;

type Target = { name: string; make(): { call(): Promise<unknown>; close(): Promise<void> } };
const viaClient = (endpoint: () => object, interceptors: Interceptor[] = [], extra: object = {}) => () => {
  const client = createClient({ ...bare, ...extra, timeoutMs, interceptors, prediction: endpoint() as { url: string } });
  return { call: () => client.prediction.predictLTV(request), close: () => client.close() };
};
const viaFetch = (protocol: "connect" | "grpc-web") => () => {
  const client = createConnectClient(SyncValueService, createFetchTransport({ baseUrl: h1Url, protocol }));
  return { call: () => client.predictLTV(request, { timeoutMs }), close: async () => {} };
};
const targets: Target[] = [
  { name: "gRPC (lean path), HTTP/2", make: viaClient(() => ({ url: h2Url, protocol: "grpc" })) },
  { name: "gRPC (stock path), HTTP/2", make: viaClient(() => ({ url: h2Url, protocol: "grpc" }), [passThrough]) },
  { name: "Connect, HTTP/2", make: viaClient(() => ({ url: h2Url, protocol: "connect" })) },
  { name: "gRPC-web, HTTP/2", make: viaClient(() => ({ url: h2Url, protocol: "grpc-web" })) },
  { name: "Connect, HTTP/1.1", make: viaClient(() => ({ url: h1Url, protocol: "connect", httpVersion: "1.1" })) },
  { name: "gRPC-web, HTTP/1.1", make: viaClient(() => ({ url: h1Url, protocol: "grpc-web", httpVersion: "1.1" })) },
  { name: "fetch transport, Connect", make: viaFetch("connect") },
  { name: "fetch transport, gRPC-web", make: viaFetch("grpc-web") },
];

describe("an endless response body: ResourceExhausted at the per-call cap (4 MiB by default)", () => {
  for (const t of targets) {
    it(t.name, async () => {
      const client = t.make();
      try {
        mode = "endless";
        sent = 0;
        const started = performance.now();
        const err = await failure(client.call());
        expect(Code[err.code]).toBe("ResourceExhausted");
        expect(err.rawMessage).toMatch(/maxResponseBytes|readMaxBytes|larger than/);
        // Within the deadline (the code says so); the server got to send little beyond the cap.
        expect(performance.now() - started).toBeLessThan(timeoutMs);
        expect(sent).toBeLessThan(32 * MiB);
        // The client serves the next call.
        mode = "ok";
        expect(await client.call()).toMatchObject({ requestId: "caps-1" });
      } finally {
        await client.close();
      }
    }, 30_000);
  }
});

describe("many large answers at once: ResourceExhausted at maxResponseBytesInFlight", () => {
  for (const [name, endpoint] of [
    ["gRPC (lean path), HTTP/2", () => ({ url: h2Url, protocol: "grpc", http2: { sessions: 1 } })],
    ["Connect, HTTP/1.1", () => ({ url: h1Url, protocol: "connect", httpVersion: "1.1" })],
  ] as const) {
    it(`${name}: 16 calls each held at 3 MiB under an 8 MiB budget`, async () => {
      const client = createClient({ ...bare, timeoutMs, maxResponseBytesInFlight: 8 * MiB, prediction: endpoint() as { url: string } });
      const caller = new AbortController();
      try {
        mode = "hold-3mib";
        sent = 0;
        let refusedSoFar = 0;
        const calls = Array.from({ length: 16 }, () =>
          failure(client.prediction.predictLTV(request, { signal: caller.signal })).then((e) => {
            if (e.code === Code.ResourceExhausted) refusedSoFar++;
            return e;
          }),
        );
        // At most two 3 MiB answers fit in 8 MiB: the other 14 are refused as their bytes arrive (slowly on
        // a loaded machine); the two that fit would wait for the rest of their body, so the caller gives up.
        const started = performance.now();
        while (refusedSoFar < 14 && performance.now() - started < timeoutMs - 2000) await new Promise((r) => setTimeout(r, 20));
        caller.abort();
        const outcomes = await Promise.all(calls);
        const codes = outcomes.map((e) => Code[e.code]);
        const refused = outcomes.filter((e) => e.code === Code.ResourceExhausted);
        expect(refused.length).toBe(14);
        for (const e of refused) expect(e.rawMessage).toMatch(/maxResponseBytesInFlight/);
        expect(codes.filter((c) => c !== "ResourceExhausted" && c !== "Canceled")).toEqual([]);
        // Every share is released once the calls settle: a normal call fits again.
        mode = "ok";
        expect(await client.prediction.predictLTV(request)).toMatchObject({ requestId: "caps-1" });
      } finally {
        await client.close();
      }
    }, 30_000);
  }

  it("options are validated: InvalidArgument naming the option", () => {
    expect(() => createClient({ prediction: h2Url, maxResponseBytesInFlight: 0 })).toThrow(/maxResponseBytesInFlight: must be a positive integer/);
    expect(() => createClient({ prediction: { url: h2Url, maxResponseBytes: 1.5 } })).toThrow(/prediction.maxResponseBytes: must be a positive integer/);
    expect(() => createClient({ prediction: { url: "tcp://127.0.0.1:1", maxResponseBytes: 10 } })).toThrow(/prediction.maxResponseBytes: applies to http/);
    expect(() => createFetchTransport({ baseUrl: h1Url, maxResponseBytesInFlight: -1 })).toThrow(/maxResponseBytesInFlight: must be a positive integer/);
  });
});
