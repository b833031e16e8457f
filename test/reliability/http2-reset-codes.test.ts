import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LearnConceptResponseSchema } from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { failure } from "../support/call-failure.js";

// A gRPC server of our own that answers each call as the test plans it: a
// RST_STREAM with a given code, a response without grpc-status, or a good
// answer. The expected codes are the gRPC spec's RST_STREAM table
// (grpc/grpc doc/PROTOCOL-HTTP2.md, "Errors").
type Plan = { rst: number } | "no-status" | "trailers-without-status" | "ok";
const plans: Plan[] = [];
let served = 0;
let server: http2.Http2Server;
let url: string;

function envelope(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
}

function answer(path: string): Buffer {
  return path.endsWith("/LearnConcept")
    ? envelope(toBinary(LearnConceptResponseSchema, create(LearnConceptResponseSchema, { sequence: 7n })))
    : envelope(toBinary(LTVPredictionResponseSchema, create(LTVPredictionResponseSchema, { requestId: "rst-1", predictedLtv: 1 })));
}

beforeAll(async () => {
  server = http2.createServer();
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const plan = plans.shift() ?? "ok";
    served++;
    stream.on("data", () => {});
    stream.on("end", () => {
      if (typeof plan === "object") {
        stream.close(plan.rst);
        return;
      }
      const body = answer(String(headers[":path"]));
      if (plan === "no-status") {
        stream.respond({ ":status": 200, "content-type": "application/grpc+proto" });
        stream.end(body);
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers(plan === "ok" ? { "grpc-status": "0" } : { "x-other": "1" }));
      stream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const c = http2.constants;
const table: Array<[string, number, keyof typeof Code]> = [
  ["NO_ERROR", c.NGHTTP2_NO_ERROR, "Internal"],
  ["PROTOCOL_ERROR", c.NGHTTP2_PROTOCOL_ERROR, "Internal"],
  ["INTERNAL_ERROR", c.NGHTTP2_INTERNAL_ERROR, "Internal"],
  ["FLOW_CONTROL_ERROR", c.NGHTTP2_FLOW_CONTROL_ERROR, "Internal"],
  ["SETTINGS_TIMEOUT", c.NGHTTP2_SETTINGS_TIMEOUT, "Internal"],
  ["FRAME_SIZE_ERROR", c.NGHTTP2_FRAME_SIZE_ERROR, "Internal"],
  ["REFUSED_STREAM", c.NGHTTP2_REFUSED_STREAM, "Unavailable"],
  ["CANCEL", c.NGHTTP2_CANCEL, "Canceled"],
  ["COMPRESSION_ERROR", c.NGHTTP2_COMPRESSION_ERROR, "Internal"],
  ["CONNECT_ERROR", c.NGHTTP2_CONNECT_ERROR, "Internal"],
  ["ENHANCE_YOUR_CALM", c.NGHTTP2_ENHANCE_YOUR_CALM, "ResourceExhausted"],
  ["INADEQUATE_SECURITY", c.NGHTTP2_INADEQUATE_SECURITY, "PermissionDenied"],
];

const bare = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 3000 } as const;
const request = { requestId: "rst-1", customerId: "c-1", platform: "meta" };
const passThrough: Interceptor = (next) => (req) => next(req);
// The lean gRPC path (no interceptors) and connect-node's stock transport (any interceptor), on gRPC;
// and the Connect protocol over HTTP/2, whose resets come through connect-node too.
const paths = [
  { name: "gRPC, lean path", options: { protocol: "grpc" as const }, interceptors: [] },
  { name: "gRPC, stock path", options: { protocol: "grpc" as const }, interceptors: [passThrough] },
  { name: "Connect over HTTP/2", options: { protocol: "connect" as const }, interceptors: [] },
];

describe("RST_STREAM codes map as the gRPC spec says", () => {
  for (const path of paths) {
    it(`${path.name}: each code, within the deadline`, async () => {
      const client = createClient({ ...bare, interceptors: path.interceptors, prediction: { url, ...path.options, http2: { sessions: 1 } } });
      try {
        const got: Record<string, string> = {};
        const want: Record<string, string> = {};
        for (const [name, code, expected] of table) {
          plans.push({ rst: code });
          const started = performance.now();
          const err = await failure(client.prediction.predictLTV(request));
          expect(performance.now() - started).toBeLessThan(2500);
          got[name] = Code[err.code];
          want[name] = expected;
        }
        expect(got).toEqual(want);
      } finally {
        await client.close();
      }
    });
  }

  for (const path of paths.slice(0, 2)) {
    it(`${path.name}: a response without grpc-status is Internal, not Unavailable`, async () => {
      const client = createClient({ ...bare, interceptors: path.interceptors, prediction: { url, http2: { sessions: 1 } } });
      try {
        plans.push("no-status");
        expect(Code[(await failure(client.prediction.predictLTV(request))).code]).toBe("Internal");
        plans.push("trailers-without-status");
        expect(Code[(await failure(client.prediction.predictLTV(request))).code]).toBe("Internal");
        // Not retried either, with retries on: Internal is not a retryable code.
        const retrying = createClient({ ...bare, retry: true, interceptors: path.interceptors, prediction: { url, http2: { sessions: 1 } } });
        try {
          plans.push("no-status", "no-status");
          const before = served;
          expect(Code[(await failure(retrying.prediction.predictLTV(request))).code]).toBe("Internal");
          expect(served - before).toBe(1);
          plans.length = 0;
        } finally {
          await retrying.close();
        }
      } finally {
        await client.close();
      }
    });
  }
});

describe("REFUSED_STREAM is retried: nothing was processed", () => {
  for (const path of paths.slice(0, 2)) {
    it(`${path.name}: a read and a write (LearnConcept) each succeed on the second attempt`, async () => {
      const client = createClient({
        ...bare,
        retry: true,
        interceptors: path.interceptors,
        prediction: { url, http2: { sessions: 1 } },
        storage: { url, http2: { sessions: 1 } },
      });
      try {
        plans.push({ rst: c.NGHTTP2_REFUSED_STREAM });
        let before = served;
        expect((await client.prediction.predictLTV(request)).requestId).toBe("rst-1");
        expect(served - before).toBe(2);

        plans.push({ rst: c.NGHTTP2_REFUSED_STREAM });
        before = served;
        expect((await client.storage.learnConcept({ conceptId: "w-1", content: "x", strength: 1, confidence: 1 })).sequence).toBe(7n);
        expect(served - before).toBe(2);

        // Any other reset of a write may have been processed: never sent twice.
        plans.push({ rst: c.NGHTTP2_INTERNAL_ERROR });
        before = served;
        const err = await failure(client.storage.learnConcept({ conceptId: "w-2", content: "x", strength: 1, confidence: 1 }));
        expect(Code[err.code]).toBe("Internal");
        expect(served - before).toBe(1);
      } finally {
        plans.length = 0;
        await client.close();
      }
    });
  }
});
