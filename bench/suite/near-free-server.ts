// The near-free server: answers every `PredictLTV` with pre-encoded bytes, so
// a client's own cost is what the benchmark sees (the reference server spends
// 0.1-1 ms of CPU per call, which bounds every client on two cores). Run in its
// own process by the benchmark (bench/suite/server-process.ts):
//
//   node .build/bench/bench-near-free.mjs [--auth-token TOKEN]
//
// It prints `listening http=http://127.0.0.1:P tcp=tcp://127.0.0.1:Q`, as
// `syncvalue serve` does, and serves:
// - raw TCP with the reference server's framing and optional auth handshake:
//   it reads each frame's header, finds the request's `request_id` in the
//   payload (without decoding the rest) and answers `PredictLTVOk` with it
//   (and a fixed `GetModelHealthOk`, which the SDK's `warmup()` asks for);
// - gRPC over cleartext HTTP/2 (node:http2): the enveloped response (the
//   request's `request_id` spliced in) and `grpc-status: 0` trailers once the
//   request is read; `GetModelHealth` too;
// - Connect over HTTP/1.1 (node:http) on the same port, as the reference
//   server routes them: the JSON or binary response with the request's
//   `requestId`.
// Anything else is an error answer. Bound to 127.0.0.1 only.
import { timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import { HealthResponseSchema, LTVPredictionResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { routeCleartextConnection } from "../../src/server/cleartext-connection-router.js";
import { defaultMaxConcurrentStreams } from "../../src/server/connection-limits.js";
import { encodeErrorFrame } from "../../src/tcp/tagged-value.js";
import { createNearFreeAnswers, nearFreeGrpcPaths } from "./near-free-answers.js";
import { sampleRequest } from "./sample-request.js";

/** The reference server's cap (src/tcp/frame-codec.ts): a larger announced frame closes the connection. */
const maxFrameBytes = 16 << 20;

// The reference model's own answer to the benchmark's request, so the answer has the same size and shape.
const request = sampleRequest();
const response = create(LTVPredictionResponseSchema, {
  ...predictBaselineLtv(request),
  timestampMs: request.timestampMs,
  inferenceTimeUs: 42n,
});
const health = create(HealthResponseSchema, { isHealthy: true, modelVersion: response.modelVersion });
const answers = createNearFreeAnswers(response, health);
const notAnswered = Buffer.from(encodeErrorFrame("the near-free server answers PredictLTV and GetModelHealth only"));

const tokenIndex = process.argv.indexOf("--auth-token");
const token = tokenIndex >= 0 ? Buffer.from(process.argv[tokenIndex + 1] ?? "", "utf8") : undefined;

/**
 * One TCP connection: the optional handshake (4-byte length, token, answered
 * `0x01`), then frames, answered in order. The answers to the frames of one
 * read go out in one write.
 */
function serveTcp(socket: net.Socket): void {
  socket.setNoDelay(true);
  let state: "handshake" | "frames" = token ? "handshake" : "frames";
  let pending: Buffer | undefined;
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    let b = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let at = 0;
    const out: Uint8Array[] = [];
    if (state === "handshake") {
      if (b.length < 4) return void (pending = b);
      const length = b.readUInt32BE(0);
      if (length > 4096) return void socket.destroy();
      if (b.length < 4 + length) return void (pending = b);
      const given = b.subarray(4, 4 + length);
      if (given.length !== token!.length || !timingSafeEqual(given, token!)) return void socket.destroy();
      out.push(Uint8Array.of(1));
      state = "frames";
      at = 4 + length;
    }
    while (b.length - at >= 4) {
      const length = b.readUInt32BE(at);
      if (length > maxFrameBytes) return void socket.destroy();
      if (b.length - at - 4 < length) break;
      out.push(answers.tcp(b.subarray(at + 4, at + 4 + length)) ?? notAnswered);
      at += 4 + length;
    }
    if (at < b.length) pending = b.subarray(at);
    if (out.length === 1) socket.write(out[0]!);
    else if (out.length > 1) socket.write(Buffer.concat(out));
  });
}

const grpcHeaders = { ":status": 200, "content-type": "application/grpc+proto" };

/** One gRPC call: the whole request body is read, then the answer and its trailers are written. */
function serveGrpc(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const chunks: Buffer[] = [];
  stream.on("error", () => stream.destroy());
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    // One uncompressed message: flag 0, 4-byte length, protobuf.
    const ok = body.length >= 5 && body[0] === 0 && body.readUInt32BE(1) === body.length - 5;
    const answer = ok ? answers.grpc(String(headers[":path"]), body.subarray(5)) : undefined;
    if (answer === undefined) {
      stream.respond({ ...grpcHeaders, "grpc-status": "12", "grpc-message": "the near-free server answers PredictLTV and GetModelHealth only" }, { endStream: true });
      return;
    }
    stream.respond(grpcHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(answer);
  });
}

/** One Connect unary call over HTTP/1.1, JSON or binary. */
function serveConnect(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const type = req.headers["content-type"];
    const body = Buffer.concat(chunks);
    const predict = req.url === nearFreeGrpcPaths.predictLtv;
    const answer = !predict ? undefined : type === "application/json" ? answers.connectJson(body.toString("utf8")) : type === "application/proto" ? answers.connectProto(body) : undefined;
    if (answer === undefined) {
      res.writeHead(501, { "content-type": "application/json" }).end('{"code":"unimplemented","message":"the near-free server answers Connect PredictLTV only"}');
      return;
    }
    res.writeHead(200, { "content-type": type, "content-length": typeof answer === "string" ? Buffer.byteLength(answer) : answer.length }).end(answer);
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return (server.address() as net.AddressInfo).port;
}

async function main(): Promise<void> {
  const tcpPort = await listen(net.createServer(serveTcp));
  // The reference server's HTTP/2 settings (100 streams per session), so only the work per call differs.
  const http2Server = http2.createServer({ settings: { maxConcurrentStreams: defaultMaxConcurrentStreams } });
  http2Server.on("stream", serveGrpc);
  const http1Server = http.createServer(serveConnect);
  http1Server.keepAliveTimeout = 60_000;
  const httpPort = await listen(
    net.createServer((socket) => {
      // A client gone before its first bytes picked a protocol must not take the server down.
      socket.on("error", () => socket.destroy());
      routeCleartextConnection(socket, {
        http2: (s) => http2Server.emit("connection", s),
        http1: (s) => http1Server.emit("connection", s),
      });
    }),
  );
  console.log(`listening http=http://127.0.0.1:${httpPort} tcp=tcp://127.0.0.1:${tcpPort}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
