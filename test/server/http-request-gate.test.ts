// The token and the announced body size are answered from the headers, in
// each protocol's own terms, and the TLS handshakes are timed. The server
// runs in this process on 127.0.0.1; the clients are connect-node's own
// transports (no client-side validation) and raw sockets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { makeTestCertificates } from "../tcp/test-certificates.js";

const TOKEN = "gate-test-token";
const MiB = 1024 * 1024;

async function codeOf(promise: Promise<unknown>): Promise<Code | undefined> {
  try {
    await promise;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe("HTTP request gate", () => {
  let server: ReferenceServer;
  const transports: Array<[string, (token?: string) => Transport]> = [];

  beforeAll(async () => {
    server = await createServer({ authToken: TOKEN, maxRequestBytes: MiB });
    const headers = (token?: string) => (token === undefined ? {} : { authorization: `Bearer ${token}` });
    const auth = (token?: string) => [(next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => async (req: Parameters<typeof next>[0]) => {
      for (const [k, v] of Object.entries(headers(token))) req.header.set(k, v);
      return next(req);
    }];
    transports.push(
      ["gRPC", (t) => createGrpcTransport({ baseUrl: server.url, interceptors: auth(t) })],
      ["gRPC-web HTTP/1.1", (t) => createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: auth(t) })],
      ["Connect HTTP/1.1", (t) => createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: auth(t) })],
      ["Connect HTTP/2", (t) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: auth(t) })],
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers a missing or wrong token with Unauthenticated in every protocol, unary and streaming", async () => {
    for (const [name, make] of transports) {
      for (const token of [undefined, "wrong"]) {
        const storage = createClient(StorageService, make(token));
        expect(await codeOf(storage.healthCheck({})), `${name} ${token}`).toBe(Code.Unauthenticated);
      }
      expect(await codeOf(createClient(StorageService, make(TOKEN)).healthCheck({})), name).toBeUndefined();
    }
    // Streaming over Connect (an end-stream message) and gRPC.
    for (const [name, make] of [transports[0]!, transports[3]!]) {
      async function* one() {
        yield { customerId: "c", platform: "meta" };
      }
      const stream = createClient(SyncValueService, make("wrong")).predictLTVStream(one());
      const code = await codeOf((async () => {
        for await (const _ of stream) void _;
      })());
      expect(code, name).toBe(Code.Unauthenticated);
    }
  });

  it("answers from the headers alone: a body announced but never sent does not delay the refusal", async () => {
    const path = "/sutra.storage.StorageService/LearnConcept";
    // HTTP/1.1 Connect, 1 GB announced, nothing sent.
    const status = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      const req = http.request(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/proto", "content-length": "1000000000" },
      });
      req.on("error", () => undefined);
      req.once("response", (res) => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.flushHeaders();
    });
    expect(status).toBe(401);
    // gRPC over HTTP/2: headers, and a body that never ends.
    const session = http2.connect(server.url);
    try {
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
        const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc+proto", te: "trailers" });
        stream.on("error", () => undefined);
        stream.once("response", (h) => {
          clearTimeout(timer);
          resolve(h);
        });
      });
      expect(headers["grpc-status"]).toBe("16");
    } finally {
      session.destroy();
    }
  });

  it("refuses a body over maxRequestBytes with ResourceExhausted in every protocol, and takes one under it", async () => {
    const big = { conceptId: "big", content: "x".repeat(MiB + 1) };
    for (const [name, make] of transports) {
      const storage = createClient(StorageService, make(TOKEN));
      expect(await codeOf(storage.learnConcept(big)), name).toBe(Code.ResourceExhausted);
      expect(await codeOf(storage.learnConcept({ conceptId: "ok", content: "x".repeat(MiB - 64) })), name).toBeUndefined();
    }
    // Connect unary says it with HTTP 413 too.
    const res = await fetch(`${server.url}/sutra.storage.StorageService/LearnConcept`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(big),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
  });
});

describe("TLS handshake timeout", () => {
  it("closes connections that never send a ClientHello, on both ports", async () => {
    const certs = makeTestCertificates();
    const tls = { cert: certs.serverCert, key: certs.serverKey };
    const server = await createServer({ tls, tcp: { tls }, handshakeTimeoutMs: 500 });
    try {
      const ports = [server.port, Number(server.tcpUrl!.split(":").at(-1))];
      const closed = await Promise.all(
        ports.map(
          (port) =>
            new Promise<boolean>((resolve) => {
              const socket = net.connect(port, "127.0.0.1");
              socket.on("error", () => undefined);
              // Node's default TLS handshake timeout is 120 s: only the option closes these in time.
              const timer = setTimeout(() => {
                socket.destroy();
                resolve(false);
              }, 10_000);
              socket.once("close", () => {
                clearTimeout(timer);
                resolve(true);
              });
            }),
        ),
      );
      expect(closed).toEqual([true, true]);
    } finally {
      await server.close();
    }
  });
});
