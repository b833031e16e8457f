import * as http2 from "node:http2";
import * as net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { FrameDecoder } from "../../src/tcp/frame-codec.js";
import { predictLtvTcpBinding } from "../../src/tcp/prediction-tcp-binding.js";

// A hostile server: every other request is answered with fuzzed bytes
// (random, truncated, oversized announcements, wrong types), the others
// correctly. Each hostile answer must fail its own call with a typed error and
// cost only its connection; the next call succeeds on a fresh one.
const seed = 4242;
const cases = 120;
const wire = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 150 } as const;

/** Hostile answers: whole frames (length prefix included) or raw bytes. */
const hostile = fc.sample(
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: "raw", bytes: b })),
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: "frame", bytes: b })),
    fc.integer({ min: 17 * 1024 * 1024, max: 0xffffffff }).map((n) => ({ kind: "raw", bytes: Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255) })),
    fc.uint8Array({ minLength: 1, maxLength: 50 }).map((b) => ({ kind: "truncated", bytes: b })),
  ),
  { seed, numRuns: cases },
);

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

describe("raw TCP client against a hostile server", () => {
  let server: net.Server;
  let requestNo = 0;
  const connOfRequest: number[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    server = net.createServer((s) => {
      const conn = connections++;
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
      const decoder = new FrameDecoder();
      s.on("data", (chunk) => {
        for (const _ of decoder.push(chunk)) {
          const i = requestNo++;
          connOfRequest[i] = conn;
          if (i % 2 === 1) {
            // Echoes the request's id (the client checks it); modelVersion tells which answer this is.
            const answer = { requestId: `x-${(i - 1) / 2}`, modelVersion: `good-${i}` };
            s.write(predictLtvTcpBinding.encodeResponse(create(LTVPredictionResponseSchema, answer)));
            continue;
          }
          const h = hostile[(i / 2) % cases]!;
          if (h.kind === "frame") s.write(frame(h.bytes));
          else if (h.kind === "truncated") s.write(frame(h.bytes).subarray(0, 4 + Math.floor(h.bytes.length / 2)));
          else s.write(h.bytes);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it(`${cases} hostile answers: each a typed error on its own call, then a good call on a new connection`, async () => {
    const port = (server.address() as net.AddressInfo).port;
    const client = createClient({ ...wire, prediction: { url: `tcp://127.0.0.1:${port}`, tcp: { pool: { min: 0, max: 1, backoffBaseMs: 1, backoffMaxMs: 1 } } } });
    const codes: Record<string, number> = {};
    try {
      for (let c = 0; c < cases; c++) {
        const bad = await client.prediction.predictLTV({ requestId: `bad-${c}`, customerId: "c", platform: "meta" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (bad !== undefined) {
          expect(bad).toBeInstanceOf(ConnectError);
          const code = Code[(bad as ConnectError).code];
          codes[code] = (codes[code] ?? 0) + 1;
          expect(["Internal", "DeadlineExceeded", "Unknown", "Unavailable"]).toContain(code);
        }
        const i = requestNo;
        const good = await client.prediction.predictLTV({ requestId: `x-${c}`, customerId: "c", platform: "meta" }, { timeoutMs: 3000 });
        // The good answer is the server's answer to this request, not a leftover of the hostile one.
        expect(good.modelVersion).toBe(`good-${i}`);
        if (bad !== undefined) expect(connOfRequest[i]).not.toBe(connOfRequest[i - 1]);
      }
    } finally {
      await client.close();
    }
    expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBeGreaterThan(cases / 2);
  }, 60_000);
});

describe("gRPC client against a hostile HTTP/2 server", () => {
  let server: http2.Http2Server;
  let n = 0;
  const bodies = fc.sample(fc.uint8Array({ maxLength: 200 }), { seed, numRuns: cases });
  beforeAll(async () => {
    server = http2.createServer();
    server.on("stream", (stream) => {
      stream.on("error", () => {});
      stream.on("data", () => {});
      stream.on("end", () => {
        const i = n++;
        stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        if (i % 2 === 1) {
          const msg = toBinary(LTVPredictionResponseSchema, create(LTVPredictionResponseSchema, { requestId: `good-${i}` }));
          const env = Buffer.alloc(5 + msg.length);
          env.writeUInt32BE(msg.length, 1);
          env.set(msg, 5);
          stream.end(env);
        } else {
          stream.end(Buffer.from(bodies[(i / 2) % cases]!));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it(`${cases} hostile bodies: each a typed error, never another call's answer`, async () => {
    const port = (server.address() as net.AddressInfo).port;
    // Every hostile body here ends its stream at once, so no deadline is needed to end a call: a long one keeps a
    // loaded machine from turning a slow answer into DeadlineExceeded (the TCP test's truncated frames do need it).
    const client = createClient({ ...wire, timeoutMs: 5000, prediction: { url: `http://127.0.0.1:${port}`, http2: { sessions: 1 } } });
    let errors = 0;
    try {
      for (let c = 0; c < cases; c++) {
        const bad = await client.prediction.predictLTV({ requestId: `bad-${c}`, customerId: "c", platform: "meta" }).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (bad instanceof Error) {
          expect(bad).toBeInstanceOf(ConnectError);
          expect(["Internal", "Unimplemented", "ResourceExhausted"]).toContain(Code[(bad as ConnectError).code]);
          errors++;
        } else {
          // Random bytes that happen to be a valid message never carry another call's id.
          expect((bad as { requestId: string }).requestId).not.toMatch(/^good-/);
        }
        const i = n;
        const good = await client.prediction.predictLTV({ requestId: `x-${c}`, customerId: "c", platform: "meta" }, { timeoutMs: 3000 });
        expect(good.requestId).toBe(`good-${i}`);
      }
    } finally {
      await client.close();
    }
    expect(errors).toBeGreaterThan(cases / 2);
  }, 60_000);
});
