import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientOptions, Endpoint } from "../../src/client/client-options.js";
import type { SyncValueClient } from "../../src/client/create-client.js";
import { createClient as createNodeClient } from "../../src/node/create-client-node.js";
import { allowFallback } from "../../src/resilience/allow-fallback.js";
import { CircuitOpenError } from "../../src/layers/circuit-breaker-transport.js";
import { createClient as createFetchClient } from "../../src/web/create-client-fetch.js";
import { spawnReferenceServer, spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";

// The error contract: whatever fails, on whichever layer and transport, a
// client call rejects with a ConnectError that `instanceof ConnectError` and
// `ConnectError.from` recognise, with the Code the docs (docs/errors.md) give
// for that failure. Real servers on 127.0.0.1: the reference server, one that
// requires a token, a closed port, and a server that accepts and never answers.
const TOKEN = "contract-token-5c1e";
let server: ReferenceServerProcess;
let tokenServer: ReferenceServerProcess;
let closedUrl: string;
let silent: net.Server;
let silentPort: number;
const silentSockets = new Set<net.Socket>();

beforeAll(async () => {
  [server, tokenServer] = await Promise.all([spawnReferenceServer(), spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: TOKEN })]);
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
  silent = net.createServer((s) => {
    silentSockets.add(s);
    s.on("error", () => {});
    s.on("close", () => silentSockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await Promise.all([server?.kill(), tokenServer?.kill()]);
});

/** One way of reaching a service: how to build its client, and how an `host:port` becomes its endpoint. */
interface Way {
  name: string;
  tcp: boolean;
  make(options: ClientOptions): SyncValueClient;
  endpoint(hostPort: string): Endpoint;
  /** The reference server's URL for this way. */
  url(s: ReferenceServerProcess): Endpoint;
}

const ways: Way[] = [
  { name: "gRPC", tcp: false, make: createNodeClient, endpoint: (h) => `http://${h}`, url: (s) => s.url },
  { name: "Connect", tcp: false, make: createNodeClient, endpoint: (h) => ({ url: `http://${h}`, protocol: "connect" }), url: (s) => ({ url: s.url, protocol: "connect" }) },
  { name: "gRPC-web", tcp: false, make: createNodeClient, endpoint: (h) => ({ url: `http://${h}`, protocol: "grpc-web" }), url: (s) => ({ url: s.url, protocol: "grpc-web" }) },
  { name: "TCP", tcp: true, make: createNodeClient, endpoint: (h) => `tcp://${h}`, url: (s) => s.tcpUrl },
  { name: "fetch", tcp: false, make: createFetchClient, endpoint: (h) => `http://${h}`, url: (s) => s.url },
];

const quiet = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;

/** What a call rejected with, checked against the contract; fails the test if it answered. */
async function contract(p: Promise<unknown>, code: Code): Promise<ConnectError> {
  const e: unknown = await p.then(
    () => expect.fail("expected the call to fail"),
    (x: unknown) => x,
  );
  expect(e, String(e)).toBeInstanceOf(ConnectError);
  expect(ConnectError.from(e)).toBe(e);
  const error = e as ConnectError;
  expect(Code[error.code], error.message).toBe(Code[code]);
  return error;
}

async function using<T>(client: SyncValueClient, body: (c: SyncValueClient) => Promise<T>): Promise<T> {
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

const request = { requestId: "r-1", customerId: "cust-1", platform: "meta" };

describe.each(ways)("$name", (way) => {
  it("validation: InvalidArgument naming the field", async () => {
    await using(way.make({ ...quiet, prediction: way.url(server) }), async (c) => {
      const e = await contract(c.prediction.predictLTV({ customerId: "", platform: "meta" }), Code.InvalidArgument);
      expect(e.rawMessage.startsWith("customerId: ")).toBe(true);
    });
  });

  it("closed client: FailedPrecondition, for calls and for warmup()", async () => {
    const c = way.make({ prediction: way.url(server), timeoutMs: 5_000 });
    await c.close();
    await contract(c.prediction.predictLTV(request), Code.FailedPrecondition);
    const e = await contract(c.warmup(), Code.FailedPrecondition);
    expect(e.rawMessage).toContain("close()");
  });

  it("missing endpoint: FailedPrecondition naming the option", async () => {
    await using(way.make({ prediction: way.url(server) }), async (c) => {
      const e = await contract(c.storage.getStats({}), Code.FailedPrecondition);
      expect(e.rawMessage).toContain("storage");
    });
  });

  it("deadline: DeadlineExceeded naming the method and the deadline", async () => {
    await using(way.make({ ...quiet, storage: way.endpoint(`127.0.0.1:${silentPort}`), timeoutMs: 300 }), async (c) => {
      const e = await contract(c.storage.getStats({}), Code.DeadlineExceeded);
      expect(e.rawMessage).toMatch(/^GetStats: deadline of 300 ms exceeded/);
      const own = await contract(c.storage.healthCheck({}, { timeoutMs: 250 }), Code.DeadlineExceeded);
      expect(own.rawMessage).toMatch(/^HealthCheck: deadline of 250 ms exceeded/);
    });
  });

  it("abort: Canceled", async () => {
    await using(way.make({ ...quiet, storage: way.endpoint(`127.0.0.1:${silentPort}`), timeoutMs: 5_000 }), async (c) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await contract(c.storage.getStats({}, { signal: controller.signal }), Code.Canceled);
    });
  });

  it("connection refused: Unavailable", async () => {
    await using(way.make({ ...quiet, storage: way.endpoint(closedUrl), timeoutMs: 5_000 }), async (c) => {
      await contract(c.storage.getStats({}), Code.Unavailable);
    });
  });

  it("breaker open: Unavailable, instanceof ConnectError and CircuitOpenError, never sent", async () => {
    const options = { storage: way.endpoint(closedUrl), timeoutMs: 5_000, retry: false, circuitBreaker: { consecutiveFailures: 2, openMs: 60_000 } };
    await using(way.make(options), async (c) => {
      for (let i = 0; i < 2; i++) {
        const refused = await contract(c.storage.getStats({}), Code.Unavailable);
        expect(refused).not.toBeInstanceOf(CircuitOpenError);
      }
      const e = await contract(c.storage.getStats({}), Code.Unavailable);
      expect(e).toBeInstanceOf(CircuitOpenError);
      expect(CircuitOpenError.is(e)).toBe(true);
      expect(e.name).toBe("ConnectError");
      expect(e.rawMessage).toContain("circuit breaker is open");
      expect(c.metrics().breaker.storage).toBe("open");
    });
  });

  it("retry exhausted: the last attempt's Unavailable", async () => {
    const options = { storage: way.endpoint(closedUrl), timeoutMs: 5_000, circuitBreaker: false, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } };
    await using(way.make(options), async (c) => {
      await contract(c.storage.getStats({}), Code.Unavailable);
      expect(c.metrics().retries).toBeGreaterThan(0);
    });
  });

  it("fallback disabled, by option or per call: the service's Unavailable, never a local answer", async () => {
    await using(way.make({ prediction: way.endpoint(closedUrl), timeoutMs: 5_000, fallback: false, circuitBreaker: false }), async (c) => {
      await contract(c.prediction.predictLTV(request), Code.Unavailable);
    });
    await using(way.make({ prediction: way.endpoint(closedUrl), timeoutMs: 5_000, circuitBreaker: false }), async (c) => {
      const contextValues = createContextValues().set(allowFallback, false);
      await contract(c.prediction.predictLTV(request, { contextValues }), Code.Unavailable);
      expect(c.metrics().fallbacks).toBe(0);
    });
  });

  it("server errors: the server's refusal and a missing token", async () => {
    await using(way.make({ ...quiet, storage: way.url(server), timeoutMs: 5_000 }), async (c) => {
      // All zeros passes the client's checks; the server refuses it (raw TCP carries no code: Unknown).
      const e = await contract(c.storage.vectorSearch({ queryVector: [0, 0, 0], k: 1 }), way.tcp ? Code.Unknown : Code.InvalidArgument);
      expect(e.rawMessage).toContain("all zeros");
    });
    await using(way.make({ ...quiet, prediction: way.url(tokenServer), timeoutMs: 5_000 }), async (c) => {
      // A raw TCP server closes the connection of a client without its token: no refusal to read.
      await contract(c.prediction.getModelHealth({}), way.tcp ? Code.Unavailable : Code.Unauthenticated);
    });
    await using(way.make({ ...quiet, prediction: way.url(tokenServer), auth: { token: "wrong-token" }, timeoutMs: 5_000 }), async (c) => {
      const e = await contract(c.prediction.getModelHealth({}), Code.Unauthenticated);
      expect(e.message).not.toContain("wrong-token");
    });
  });

  it("unresolvable host: Unavailable, for calls and for warmup()", async () => {
    await using(way.make({ ...quiet, storage: way.endpoint(`contract-${way.name.toLowerCase()}.syncvalue-test.invalid:8080`), timeoutMs: 10_000 }), async (c) => {
      await contract(c.storage.getStats({}), Code.Unavailable);
      const e = await contract(c.warmup(), Code.Unavailable);
      expect(e.rawMessage).toContain("storage endpoint");
      expect(e.rawMessage).toContain("syncvalue-test.invalid");
    });
  });

  it("warmup(): Unavailable naming service and endpoint when nothing listens", async () => {
    await using(way.make({ prediction: way.endpoint(closedUrl), storage: way.url(server), timeoutMs: 5_000 }), async (c) => {
      const e = await contract(c.warmup(), Code.Unavailable);
      expect(e.rawMessage).toMatch(/^warmup: prediction endpoint \S+/);
      expect(e.rawMessage).toContain(closedUrl);
      expect(e.rawMessage).not.toContain("storage endpoint");
    });
  });
});

describe("CircuitOpenError and instanceof", () => {
  it("a plain ConnectError is no CircuitOpenError; a refusal is a ConnectError", () => {
    const plain = new ConnectError("x", Code.Unavailable);
    expect(plain).not.toBeInstanceOf(CircuitOpenError);
    expect(CircuitOpenError.is(plain)).toBe(false);
    const refusal = new CircuitOpenError("storage");
    expect(refusal).toBeInstanceOf(ConnectError);
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect(ConnectError.from(refusal)).toBe(refusal);
    expect(refusal.service).toBe("storage");
  });
});
