import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { createPredictionClient as createFetchPredictionClient } from "../../src/web/create-prediction-client-fetch.js";
import { createServer } from "../../src/server/index.js";
import { createTcpTransport } from "../../src/tcp/index.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";

// Every public constructor given wrong types, NaN, negatives, huge and empty
// values: a ConnectError InvalidArgument whose message starts with the field,
// thrown before anything connects or listens. (Per-call request fields:
// test/client/validation.test.ts; the bid module: test/bid/bid-validation.test.ts.)
let listener: net.Server;
let accepted = 0;
let port = 0;
beforeAll(async () => {
  listener = net.createServer((s) => {
    accepted++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  port = (listener.address() as net.AddressInfo).port;
});
afterAll(async () => {
  expect(accepted, "a rejected option opened a connection").toBe(0);
  await new Promise((r) => listener.close(r));
});

function expectField(fn: () => unknown, field: string): ConnectError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection naming ${field}`).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  expect((err as ConnectError).rawMessage.startsWith(`${field}: `), (err as ConnectError).rawMessage).toBe(true);
  return err as ConnectError;
}

describe("createClient options", () => {
  const http = () => `http://127.0.0.1:${port}`;
  const tcp = () => `tcp://127.0.0.1:${port}`;
  const cases: [string, () => unknown][] = [
    ["options", () => null],
    ["timeoutMs", () => ({ prediction: http(), timeoutMs: "100" })],
    ["timeoutMs", () => ({ prediction: http(), timeoutMs: -1 })],
    ["timeoutMs", () => ({ prediction: http(), timeoutMs: Number.POSITIVE_INFINITY })],
    ["timeoutMs", () => ({ prediction: http(), timeoutMs: 1e12 })],
    ["auth", () => ({ prediction: http(), auth: null })],
    ["auth.token", () => ({ prediction: http(), auth: { token: 5 } })],
    ["interceptors", () => ({ prediction: http(), interceptors: "x" })],
    ["interceptors", () => ({ prediction: http(), interceptors: [42] })],
    ["onEvent", () => ({ prediction: http(), onEvent: 5 })],
    ["cache", () => ({ prediction: http(), cache: "yes" })],
    ["cache.ttlMs", () => ({ prediction: http(), cache: { ttlMs: -1 } })],
    ["cache.maxEntries", () => ({ prediction: http(), cache: { maxEntries: Number.NaN } })],
    ["retry", () => ({ prediction: http(), retry: 5 })],
    ["hedging.delayMs", () => ({ prediction: http(), hedging: { delayMs: -5 } })],
    ["batching.maxBatchSize", () => ({ prediction: http(), batching: { maxBatchSize: 0 } })],
    ["batching.windowMs", () => ({ prediction: http(), batching: { windowMs: Number.POSITIVE_INFINITY } })],
    ["prediction", () => ({ prediction: 42 })],
    ["prediction.url", () => ({ prediction: { url: "" } })],
    ["storage", () => ({ storage: "gopher://127.0.0.1:1" })],
    ["prediction.http2.sessions", () => ({ prediction: { url: http(), http2: { sessions: 1000 } } })],
    ["prediction.http2.pingTimeoutMs", () => ({ prediction: { url: http(), http2: { pingTimeoutMs: 0.5 } } })],
    ["prediction.http2.pingIdleConnection", () => ({ prediction: { url: http(), http2: { pingIdleConnection: "yes" } } })],
    ["prediction.tls", () => ({ prediction: { url: http(), tls: { ca: "x" } } })],
    ["prediction.tls", () => ({ prediction: { url: tcp(), tls: {} } })],
    ["prediction.tls.ca", () => ({ prediction: { url: `https://127.0.0.1:${port}`, tls: { ca: 1 } } })],
    ["prediction.tls.key", () => ({ prediction: { url: `https://127.0.0.1:${port}`, tls: { cert: "pem" } } })],
    ["prediction.tls.rejectUnauthorized", () => ({ prediction: { url: `https://127.0.0.1:${port}`, tls: { rejectUnauthorized: "no" } } })],
    ["prediction.tcp", () => ({ prediction: { url: http(), tcp: {} } })],
    ["prediction", () => ({ prediction: { url: tcp(), protocol: "grpc" } })],
  ];
  for (const [field, options] of cases) {
    it(`${JSON.stringify(options()).slice(0, 90)} -> ${field}`, () => expectField(() => createClient(options() as never), field));
  }
});

describe("createPredictionClient options", () => {
  const http = () => `http://127.0.0.1:${port}`;
  const cases: [string, () => unknown][] = [
    ["options", () => null],
    ["endpoint", () => ({})],
    ["endpoint", () => ({ endpoint: "not a url" })],
    ["endpoint", () => ({ endpoint: `http://user:secret@127.0.0.1:${port}` })],
    ["endpoint.url", () => ({ endpoint: { url: "" } })],
    ["endpoint.protocol", () => ({ endpoint: { url: http(), protocol: "soap" } })],
    ["endpoint.http2.sessions", () => ({ endpoint: { url: http(), http2: { sessions: 1000 } } })],
    ["timeoutMs", () => ({ endpoint: http(), timeoutMs: 0 })],
    ["timeoutMs", () => ({ endpoint: http(), timeoutMs: Number.NaN })],
    ["interceptors", () => ({ endpoint: http(), interceptors: "x" })],
    ["interceptors", () => ({ endpoint: http(), interceptors: [() => (next: unknown) => next, null] })],
    ["auth.token", () => ({ endpoint: http(), auth: { token: "" } })],
    ["auth.token", () => ({ endpoint: http(), auth: { token: "a\r\nb" } })],
    ["cache", () => ({ endpoint: http(), cache: "yes" })],
    ["cache.ttlMs", () => ({ endpoint: http(), cache: { ttlMs: -1 } })],
    ["cache.storageReads", () => ({ endpoint: http(), cache: { storageReads: ["queryConcept"] } })],
    ["tcpTransport", () => ({ endpoint: http(), tcpTransport: "createTcpTransport" })],
    // createClient's options: refused, pointing at createClient, never silently ignored.
    ["retry", () => ({ endpoint: http(), retry: { maxAttempts: 2 } })],
    ["hedging", () => ({ endpoint: http(), hedging: true })],
    ["circuitBreaker", () => ({ endpoint: http(), circuitBreaker: false })],
    ["fallback", () => ({ endpoint: http(), fallback: false })],
    ["batching", () => ({ endpoint: http(), batching: true })],
    ["storage", () => ({ endpoint: http(), storage: http() })],
    ["prediction", () => ({ prediction: http() })],
    ["onEvent", () => ({ endpoint: http(), onEvent: () => {} })],
  ];
  for (const [field, options] of cases) {
    it(`${JSON.stringify(options()).slice(0, 90)} -> ${field}`, () => {
      for (const create of [createPredictionClient, createFetchPredictionClient]) {
        const err = expectField(() => create(options() as never), field);
        expect(err.rawMessage).not.toContain("secret");
        if (["retry", "hedging", "circuitBreaker", "fallback", "batching", "storage", "prediction", "onEvent"].includes(field)) {
          expect(err.rawMessage).toContain("use createClient");
        }
      }
    });
  }
  it("an option left undefined is not given", () => createPredictionClient({ endpoint: http(), retry: undefined } as never).close());
  it("endpoint.tls: Node checks it; fetch runtimes, which have no per-request TLS, refuse any, naming endpoint.tls", () => {
    const https = `https://127.0.0.1:${port}`;
    expectField(() => createPredictionClient({ endpoint: { url: https, tls: { ca: 1 } } } as never), "endpoint.tls.ca");
    for (const tls of [{ ca: "-----BEGIN CERTIFICATE-----" }, { ca: 1 }]) {
      const err = expectField(() => createFetchPredictionClient({ endpoint: { url: https, tls } } as never), "endpoint.tls");
      expect(err.rawMessage).toContain("custom TLS needs Node");
    }
  });
});

describe("createTcpTransport options (also an endpoint's tcp options)", () => {
  const url = () => `tcp://127.0.0.1:${port}`;
  const cases: [string, () => unknown][] = [
    ["options", () => "tcp://x"],
    ["url", () => ({ url: `http://127.0.0.1:${port}`, connect: connectNodeSocket })],
    ["connect", () => ({ url: url(), connect: 5 })],
    ["tls", () => ({ url: url(), connect: connectNodeSocket, tls: {} })],
    ["authToken", () => ({ url: url(), connect: connectNodeSocket, authToken: "" })],
    ["authToken", () => ({ url: url(), connect: connectNodeSocket, authToken: "x".repeat(5000) })],
    ["pool", () => ({ url: url(), connect: connectNodeSocket, pool: 3 })],
    ["pool.max", () => ({ url: url(), connect: connectNodeSocket, pool: { max: -1 } })],
    ["pool.min", () => ({ url: url(), connect: connectNodeSocket, pool: { min: 9, max: 2 } })],
    ["pool.pipelining", () => ({ url: url(), connect: connectNodeSocket, pool: { pipelining: Number.NaN } })],
    ["pool.maxQueue", () => ({ url: url(), connect: connectNodeSocket, pool: { maxQueue: 2 ** 40 } })],
    ["pool.lateAnswerGraceMs", () => ({ url: url(), connect: connectNodeSocket, pool: { lateAnswerGraceMs: 0 } })],
    ["maxFrameBytes", () => ({ url: url(), connect: connectNodeSocket, maxFrameBytes: 0 })],
    ["connectTimeoutMs", () => ({ url: url(), connect: connectNodeSocket, connectTimeoutMs: "5s" })],
    ["interceptors", () => ({ url: url(), connect: connectNodeSocket, interceptors: {} })],
  ];
  for (const [field, options] of cases) {
    it(`${field}: ${String(JSON.stringify(options())).slice(0, 80)}`, () => expectField(() => createTcpTransport(options() as never), field));
  }
});

describe("createServer options", () => {
  const cases: [string, unknown][] = [
    ["port", { port: -1 }],
    ["port", { port: "8080" }],
    ["port", { port: 70_000 }],
    ["host", { host: 5 }],
    ["host", { host: "" }],
    ["maxBatchSize", { maxBatchSize: -1 }],
    ["maxBatchSize", { maxBatchSize: Number.NaN }],
    ["authToken", { authToken: "" }],
    ["authToken", { authToken: 5 }],
    ["authToken", { authToken: "a\nb" }],
    ["model", { model: 5 }],
    ["store", { store: "memory" }],
    ["tls.cert", { tls: { cert: 5, key: "k" } }],
    ["tls.ca", { tls: { cert: "c", key: "k", requestCert: true } }],
    ["tcp", { tcp: "yes" }],
    ["tcp.port", { tcp: { port: -5 } }],
    ["tcp.maxFrameBytes", { tcp: { maxFrameBytes: 0 } }],
    ["tcp.tls.key", { tcp: { tls: { cert: "c" } } }],
  ];
  for (const [field, options] of cases) {
    it(`${JSON.stringify(options)} -> ${field}, nothing listens`, async () => {
      const err = await createServer({ host: "127.0.0.1", ...(options as object) }).then(
        async (s) => (await s.close(), undefined),
        (e: unknown) => e,
      );
      expectField(() => {
        if (err) throw err;
      }, field);
    });
  }
});
