import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";

// The lean gRPC unary path against an HTTP/2 server of our own on 127.0.0.1:
// what a call holds of the client's response budget is given back whatever
// the server keeps sending after the call has failed.
const KiB = 1024;
let server: http2.Http2Server;
let url: string;
/** "refuse": HTTP 503 followed by 4 x 64 KiB of body; "ok": a small gRPC answer. */
let mode: "refuse" | "ok" = "ok";
/** The request headers of every stream, in arrival order. */
const seen: http2.IncomingHttpHeaders[] = [];

function okBody(): Buffer {
  const msg = toBinary(LTVPredictionResponseSchema, create(LTVPredictionResponseSchema, { requestId: "lean-1", predictedLtv: 2 }));
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

beforeAll(async () => {
  server = http2.createServer();
  server.on("stream", (stream, headers) => {
    seen.push(headers);
    stream.on("error", () => {});
    stream.on("data", () => {});
    stream.on("end", () => {
      if (mode === "ok") {
        stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(okBody());
        return;
      }
      // The headers and the body in one go, so the client reads body bytes after it has failed the call.
      stream.respond({ ":status": 503, "content-type": "application/grpc+proto" });
      for (let i = 0; i < 4; i++) stream.write(Buffer.alloc(64 * KiB, 0x2a));
      stream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("lean gRPC unary call", () => {
  it("sends gRPC's headers, the deadline and the caller's own, on the first call (connecting) and on later ones (ready session)", async () => {
    mode = "ok";
    seen.length = 0;
    const client = createClient({ prediction: url, cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 4_000.2 });
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await client.prediction.predictLTV(
          { requestId: "lean-1", customerId: "c-1", platform: "meta" },
          { headers: { "x-call": String(i), "content-type": "text/plain", te: "gzip" } },
        );
        expect(answer.predictedLtv).toBe(2);
      }
    } finally {
      await client.close();
    }
    expect(seen).toHaveLength(3);
    seen.forEach((h, i) => {
      expect(h).toMatchObject({
        ":method": "POST",
        ":path": "/syncvalue.v1.SyncValueService/PredictLTV",
        "content-type": "application/grpc+proto",
        te: "trailers",
        "grpc-timeout": "4001m",
        "user-agent": "syncvalue-node",
        "x-call": String(i),
      });
    });
  }, 30_000);

  it("body bytes that arrive after a call failed on its headers are not kept against maxResponseBytesInFlight", async () => {
    const client = createClient({
      prediction: url,
      cache: false,
      retry: false,
      circuitBreaker: false,
      fallback: false,
      timeoutMs: 10_000,
      maxResponseBytesInFlight: 128 * KiB,
    });
    try {
      mode = "refuse";
      for (let i = 0; i < 3; i++) {
        const e = await client.prediction.predictLTV({ requestId: `r-${i}`, customerId: "c-1", platform: "meta" }).then(
          () => undefined,
          (x: unknown) => ConnectError.from(x),
        );
        expect(e?.code).toBe(Code.Unavailable);
      }
      mode = "ok";
      const answer = await client.prediction.predictLTV({ requestId: "lean-1", customerId: "c-1", platform: "meta" });
      expect(answer.predictedLtv).toBe(2);
    } finally {
      await client.close();
    }
  }, 30_000);
});
