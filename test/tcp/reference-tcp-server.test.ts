import * as net from "node:net";
import { Code, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer, type ReferenceServer } from "../../src/server/create-server.js";
import { createTcpServer, type TcpServer } from "../../src/server/tcp-server.js";
import { decodeMsgpack } from "../../src/tcp/msgpack-codec.js";
import { createTcpTransport, type TcpTransport } from "../../src/tcp/index.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import { makeTestCertificates, type TestCertificates } from "./test-certificates.js";
import { errorOf, until } from "./tcp-test-support.js";

let server: ReferenceServer;
let tcp: TcpServer;
let transport: TcpTransport;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  server = await createServer();
  tcp = await createTcpServer({ prediction: server.prediction, storage: server.storage, health: server.health });
  transport = createTcpTransport({ url: tcp.url, connect: connectNodeSocket });
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await transport?.close();
  await tcp?.close();
  await server?.close();
});

/** Sends raw frames on a fresh socket and returns the decoded answers, in order. */
async function rawExchange(port: number, payloads: Uint8Array[]): Promise<{ values: unknown[]; bytes: Buffer[]; closed: boolean }> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise((r) => socket.once("connect", r));
  let buf = Buffer.alloc(0);
  let closed = false;
  socket.on("data", (d) => (buf = Buffer.concat([buf, d])));
  socket.on("close", () => (closed = true));
  socket.on("error", () => undefined);
  for (const p of payloads) {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(p.length);
    socket.write(Buffer.concat([head, p]));
  }
  const frames = (): Buffer[] => {
    const out: Buffer[] = [];
    let pos = 0;
    while (buf.length - pos >= 4 && buf.length - pos - 4 >= buf.readUInt32BE(pos)) {
      const n = buf.readUInt32BE(pos);
      out.push(buf.subarray(pos + 4, pos + 4 + n));
      pos += 4 + n;
    }
    return out;
  };
  await until(() => closed || frames().length >= payloads.length, 3000);
  socket.destroy();
  const bytes = frames();
  return { values: bytes.map((b) => decodeMsgpack(b)), bytes, closed };
}

const str = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([0xa0 | b.length]), b]);
};

describe("reference server over TCP", () => {
  it("serves storage with the same answers as over gRPC", async () => {
    const overTcp = createClient(StorageService, transport);
    const overGrpc = createClient(StorageService, createGrpcTransport({ baseUrl: server.url }));
    const learned = await overTcp.learnConcept({ conceptId: "t-1", content: "over tcp", embedding: [1, 0.5], strength: 0.3, confidence: 0.6 });
    expect(typeof learned.sequence).toBe("bigint");
    await overGrpc.learnConcept({ conceptId: "t-2", content: "over grpc", embedding: [0.5, 1], strength: 1, confidence: 1 });
    await overTcp.learnAssociation({ sourceId: "t-1", targetId: "t-2", assocType: 1, confidence: 0.9 });
    for (const [name, call] of [
      ["queryConcept", (c: typeof overTcp) => c.queryConcept({ conceptId: "t-1" })],
      ["getNeighbors", (c: typeof overTcp) => c.getNeighbors({ conceptId: "t-1" })],
      ["findPath", (c: typeof overTcp) => c.findPath({ startId: "t-1", endId: "t-2", maxDepth: 4 })],
      ["vectorSearch", (c: typeof overTcp) => c.vectorSearch({ queryVector: [1, 0.5], k: 2, efSearch: 10 })],
      ["flush", (c: typeof overTcp) => c.flush({})],
    ] as const) {
      expect(await call(overTcp), name).toEqual(await call(overGrpc));
    }
    const q = await overTcp.queryConcept({ conceptId: "t-1" });
    expect(q).toMatchObject({ found: true, content: "over tcp", strength: Math.fround(0.3), confidence: Math.fround(0.6) });
    const stats = await overTcp.getStats({});
    expect(stats.concepts).toBe(2n);
    expect((await overTcp.healthCheck({})).status).toBe("ok");
  });

  it("serves prediction: PredictLTV, batch, health, and the stream pipelined as PredictLTV", async () => {
    const prediction = createClient(SyncValueService, transport);
    const req = {
      requestId: "p-1",
      customerId: "c-1",
      platform: "meta",
      currentCac: 20,
      eventHistory: [{ timestampMs: BigInt(Date.now() - 86_400_000), eventType: "purchase", eventValue: 80, source: "web" }],
    };
    const res = await prediction.predictLTV(req);
    expect(res.requestId).toBe("p-1");
    expect(res.status).toBe(PredictionStatus.SUCCESS);
    expect(res.predictedLtv).toBeGreaterThan(0);
    const grpc = await createClient(SyncValueService, createGrpcTransport({ baseUrl: server.url })).predictLTV(req);
    expect({ ...res, inferenceTimeUs: 0n, timestampMs: 0n }).toEqual({ ...grpc, inferenceTimeUs: 0n, timestampMs: 0n });

    const batch = await prediction.predictLTVBatch({ requests: [req, { ...req, requestId: "p-2" }] });
    expect(batch.responses.map((r) => r.requestId)).toEqual(["p-1", "p-2"]);
    expect(batch.totalProcessed).toBe(2);

    const ids: string[] = [];
    async function* inputs() {
      for (let i = 0; i < 30; i++) yield { ...req, requestId: `s-${i}` };
    }
    for await (const r of prediction.predictLTVStream(inputs())) ids.push(r.requestId);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `s-${i}`));

    const health = await prediction.getModelHealth({ includeMetrics: true });
    expect(health.activeConnections).toBeGreaterThanOrEqual(1); // TCP connections are counted by the health tracker
  });

  it("turns a handler's ConnectError into {Error: [message]}, seen as Unknown with that message", async () => {
    const storage = createClient(StorageService, transport);
    const err = await errorOf(storage.vectorSearch({ queryVector: [1], k: 0, efSearch: 1 }));
    expect(err?.code).toBe(Code.Unknown);
    expect(err?.rawMessage).toBe("k: must be at least 1");
  });

  it("answers like the Rust server on the wire: positional arrays, float32, bare FlushOk, named or positional requests", async () => {
    const query = Buffer.concat([Buffer.from([0x81]), str("QueryConcept"), Buffer.from([0x81]), str("concept_id"), str("t-1")]);
    const queryPositional = Buffer.concat([Buffer.from([0x81]), str("QueryConcept"), Buffer.from([0x91]), str("t-1")]);
    const flushNil = Buffer.concat([Buffer.from([0x81]), str("Flush"), Buffer.from([0xc0])]);
    const flushEmptyMap = Buffer.concat([Buffer.from([0x81]), str("Flush"), Buffer.from([0x80])]);
    const unknown = str("Nope");
    const { values, bytes } = await rawExchange(tcp.port, [query, queryPositional, str("Flush"), flushNil, flushEmptyMap, unknown]);
    expect(values[0]).toEqual({ QueryConceptOk: [true, "t-1", "over tcp", Math.fround(0.3), Math.fround(0.6)] });
    expect(values[1]).toEqual(values[0]);
    // strength is a MessagePack float32: 0xca then the 4 bytes of fround(0.3).
    const f = Buffer.alloc(5);
    f[0] = 0xca;
    f.writeFloatBE(0.3, 1);
    expect(bytes[0]!.includes(f)).toBe(true);
    expect(values[2]).toBe("FlushOk");
    expect(values[3]).toBe("FlushOk");
    expect(values[4]).toEqual({ Error: [expect.stringContaining("expected unit variant Flush")] });
    expect(values[5]).toEqual({ Error: [expect.stringContaining("unknown variant `Nope`")] });
  });

  it("closes a connection that announces an oversize frame", async () => {
    const small = await createTcpServer({ prediction: server.prediction, storage: server.storage, maxFrameBytes: 64 });
    closers.push(() => small.close());
    const { closed, values } = await rawExchange(small.port, [new Uint8Array(65)]);
    expect(values).toEqual([]);
    expect(closed).toBe(true);
  });
});

describe("reference server over TCP: auth handshake and TLS", () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = makeTestCertificates();
  });

  it("accepts the right token and refuses a wrong one with a clear Unauthenticated, failing fast afterwards", async () => {
    const secured = await createTcpServer({ prediction: server.prediction, storage: server.storage, authToken: "s3cret" });
    closers.push(() => secured.close());
    const good = createTcpTransport({ url: secured.url, connect: connectNodeSocket, authToken: "s3cret" });
    closers.push(() => good.close());
    expect((await createClient(StorageService, good).healthCheck({})).healthy).toBe(true);

    const bad = createTcpTransport({ url: secured.url, connect: connectNodeSocket, authToken: "wrong", pool: { min: 1 } });
    closers.push(() => bad.close());
    const warm = await errorOf(bad.warmup());
    expect(warm?.code).toBe(Code.Unauthenticated);
    expect(warm?.rawMessage).toMatch(/refused the auth token/);
    const call = await errorOf(createClient(StorageService, bad).healthCheck({}));
    expect(call?.code).toBe(Code.Unauthenticated);

    const none = createTcpTransport({ url: secured.url, connect: connectNodeSocket, connectTimeoutMs: 500 });
    closers.push(() => none.close());
    // Without a token the server waits for one and never answers frames: the call cannot succeed.
    const noToken = await errorOf(createClient(StorageService, none).healthCheck({}, { timeoutMs: 300 }));
    expect(noToken).toBeDefined();
  });

  it("speaks tcps:// with a custom CA and mutual TLS, and refuses a server signed by another CA", async () => {
    const tlsServer = await createTcpServer({
      prediction: server.prediction,
      storage: server.storage,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true },
      authToken: "t",
    });
    closers.push(() => tlsServer.close());
    expect(tlsServer.url).toMatch(/^tcps:\/\//);
    const ok = createTcpTransport({
      url: tlsServer.url,
      connect: connectNodeSocket,
      authToken: "t",
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    closers.push(() => ok.close());
    expect((await createClient(StorageService, ok).healthCheck({})).healthy).toBe(true);

    const byName = createTcpTransport({
      url: `tcps://127.0.0.1:${tlsServer.port}`,
      connect: connectNodeSocket,
      authToken: "t",
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, serverName: "localhost" },
    });
    closers.push(() => byName.close());
    expect((await createClient(StorageService, byName).healthCheck({})).healthy).toBe(true);

    const wrongCa = createTcpTransport({
      url: tlsServer.url,
      connect: connectNodeSocket,
      authToken: "t",
      tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey },
    });
    closers.push(() => wrongCa.close());
    const err = await errorOf(createClient(StorageService, wrongCa).healthCheck({}));
    expect(err?.code).toBe(Code.Unavailable);
    expect(err?.rawMessage).toMatch(/certificate/i);
  });
});

describe("TCP transport call semantics", () => {
  it("runs interceptors with context values, a URL naming the method, and can short-circuit", async () => {
    const seen: string[] = [];
    const interceptor: Interceptor = (next) => async (req) => {
      seen.push(`${req.url} ${String(req.contextValues.get(marker))}`);
      const res = await next(req);
      seen.push(`done ${res.stream ? "stream" : "unary"}`);
      return res;
    };
    const marker = { id: Symbol("marker"), defaultValue: "none" };
    const t = createTcpTransport({ url: tcp.url, connect: connectNodeSocket, interceptors: [interceptor] });
    closers.push(() => t.close());
    const { createContextValues } = await import("@connectrpc/connect");
    const contextValues = createContextValues().set(marker, "set");
    await createClient(StorageService, t).healthCheck({}, { contextValues });
    expect(seen).toEqual([`${tcp.url}/sutra.storage.StorageService/HealthCheck set`, "done unary"]);
  });

  it("maps an aborted signal to Canceled", async () => {
    const storage = createClient(StorageService, transport);
    const controller = new AbortController();
    const pending = errorOf(storage.getStats({}, { signal: controller.signal }));
    controller.abort();
    expect((await pending)?.code).toBe(Code.Canceled);
    expect((await storage.healthCheck({})).healthy).toBe(true);
  });

  it("validates options before connecting: InvalidArgument naming the option", () => {
    let connects = 0;
    const connect = Object.assign(async () => {
      connects++;
      throw new Error("must not be called");
    });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: "http://127.0.0.1:1" }, /^url: /],
      [{ url: "tcp://127.0.0.1:70000" }, /^url: port 70000/],
      [{ url: "tcp://127.0.0.1:1", pool: { max: 0 } }, /^pool\.max: /],
      [{ url: "tcp://127.0.0.1:1", pool: { min: 3, max: 2 } }, /^pool\.min: /],
      [{ url: "tcp://127.0.0.1:1", pool: { pipelining: 1.5 } }, /^pool\.pipelining: /],
      [{ url: "tcp://127.0.0.1:1", pool: { pipelining: 0 } }, /^pool\.pipelining: /],
      [{ url: "tcp://127.0.0.1:1", pool: { lateAnswerGraceMs: "2s" } }, /^pool\.lateAnswerGraceMs: /],
      [{ url: "tcp://127.0.0.1:1", maxFrameBytes: -1 }, /^maxFrameBytes: /],
      [{ url: "tcp://127.0.0.1:1", authToken: "x".repeat(4097) }, /^authToken: /],
      [{ url: "tcp://127.0.0.1:1", tls: {} }, /^tls: only applies to tcps/],
      [{ url: "tcps://127.0.0.1:1", tls: { cert: "c" } }, /^tls\.key: /],
      [{ url: "tcp://127.0.0.1:1", connect: undefined }, /^connect: /],
    ];
    for (const [opts, message] of cases) {
      let err: unknown;
      try {
        createTcpTransport({ connect, ...opts } as never);
      } catch (e) {
        err = e;
      }
      expect((err as { code?: number })?.code, JSON.stringify(opts)).toBe(Code.InvalidArgument);
      expect((err as { rawMessage?: string }).rawMessage).toMatch(message);
    }
    expect(connects).toBe(0);
  });

  it("with a per-request connector (how Cloudflare Workers run) every call opens and closes its own socket", async () => {
    const perRequest = Object.assign(connectNodeSocket.bind(undefined), { perRequest: true, runtime: "node-per-request" });
    const t = createTcpTransport({ url: tcp.url, connect: perRequest, pool: { min: 1 } });
    closers.push(() => t.close());
    await t.warmup(); // nothing to warm: sockets may not outlive a request
    const storage = createClient(StorageService, t);
    const learned = await Promise.all(Array.from({ length: 5 }, (_, i) => storage.learnConcept({ conceptId: `pr-${i}`, content: `c${i}` })));
    expect(new Set(learned.map((a) => a.sequence)).size).toBe(5);
    expect((await storage.queryConcept({ conceptId: "pr-3" })).content).toBe("c3");
    expect(t.stats()).toMatchObject({ connects: 6, open: 0 });
  });

  it("a dead endpoint fails fast with Unavailable instead of queueing", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const t = createTcpTransport({ url: `tcp://127.0.0.1:${port}`, connect: connectNodeSocket, pool: { backoffBaseMs: 5000, backoffMaxMs: 5000 } });
    closers.push(() => t.close());
    const storage = createClient(StorageService, t);
    const first = await errorOf(storage.healthCheck({}, { timeoutMs: 5000 }));
    expect(first?.code).toBe(Code.Unavailable);
    expect(first?.rawMessage).toMatch(/ECONNREFUSED/);
    const burst = await Promise.all(Array.from({ length: 10 }, () => errorOf(storage.healthCheck({}, { timeoutMs: 5000 }))));
    for (const e of burst) expect(e?.code).toBe(Code.Unavailable);
    // Unless the jittered delay happened to be ~0, the burst did not try to connect again.
    expect(t.stats().connectFailures).toBeLessThanOrEqual(2);
  });
});
