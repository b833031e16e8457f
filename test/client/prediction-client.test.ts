import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PredictionClient } from "../../src/client/create-prediction-client.js";
import type { PredictionClientOptions } from "../../src/client/prediction-client-options.js";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { createPredictionClient as createFetchPredictionClient } from "../../src/web/create-prediction-client-fetch.js";
import { failure } from "../support/call-failure.js";
import { spawnReferenceServer, spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";

// createPredictionClient against the reference server in its own process:
// every transport, the cache (proven by the server's own prediction count),
// deadlines, auth, close(), and options refused before anything is sent.
const TOKEN = `prediction-client-${process.pid}`;
let server: ReferenceServerProcess;
let authServer: ReferenceServerProcess;
/** Stopped with SIGSTOP: the kernel accepts connections, nothing ever answers. */
let frozen: ReferenceServerProcess;
beforeAll(async () => {
  [server, authServer, frozen] = await Promise.all([
    spawnReferenceServer(),
    spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: TOKEN }),
    spawnReferenceServer(),
  ]);
  frozen.signal("SIGSTOP");
});
afterAll(async () => {
  frozen?.signal("SIGCONT");
  await Promise.all([server?.kill(), authServer?.kill(), frozen?.kill()]);
});

const now = 1_790_000_000_000n;
const request = (requestId: string, customerId: string) => ({
  requestId,
  timestampMs: now,
  customerId,
  platform: "meta",
  eventHistory: [
    { timestampMs: now - 86_400_000n * 9n, eventType: "purchase", eventValue: 80 },
    { timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: 35 },
  ],
});
/** How many predictions the server has made, by its own count. */
const predictionsServed = async (client: PredictionClient) =>
  (await client.prediction.getModelHealth({ includeMetrics: true })).predictionsToday;

const variants: [string, (url: () => ReferenceServerProcess) => PredictionClient][] = [
  ["gRPC over HTTP/2 (Node)", (s) => createPredictionClient({ endpoint: { url: s().url, protocol: "grpc" }, timeoutMs: 5_000 })],
  ["Connect over HTTP/2 (Node)", (s) => createPredictionClient({ endpoint: { url: s().url, protocol: "connect" }, timeoutMs: 5_000 })],
  ["gRPC-web over HTTP/1.1 (Node)", (s) => createPredictionClient({ endpoint: { url: s().url, protocol: "grpc-web", httpVersion: "1.1" }, timeoutMs: 5_000 })],
  ["raw TCP (Node)", (s) => createPredictionClient({ endpoint: s().tcpUrl, timeoutMs: 5_000 })],
  ["Connect over fetch (edge build)", (s) => createFetchPredictionClient({ endpoint: s().url, timeoutMs: 5_000 })],
  ["gRPC-web over fetch (edge build)", (s) => createFetchPredictionClient({ endpoint: { url: s().url, protocol: "grpc-web" }, timeoutMs: 5_000 })],
];

for (const [name, make] of variants) {
  describe(name, () => {
    it("predicts, answers the same question again from its cache, and batches", async () => {
      const client = make(() => server);
      const customer = `cust-${name}`;
      try {
        await client.warmup();
        const before = await predictionsServed(client);
        const first = await client.prediction.predictLTV(request("r-1", customer));
        expect(first.requestId).toBe("r-1");
        expect(first.status).toBe(PredictionStatus.SUCCESS);
        expect(first.predictedLtv).toBeGreaterThan(0);
        // Another request id: the cached answer, carrying this call's id; the server made one prediction.
        const second = await client.prediction.predictLTV(request("r-2", customer));
        expect(second.requestId).toBe("r-2");
        expect(second.predictedLtv).toBe(first.predictedLtv);
        expect((await predictionsServed(client)) - before).toBe(1n);

        const m = client.metrics();
        expect(Object.keys(m).sort()).toEqual(["cache", "methods", "pool"]);
        expect(m.cache).toMatchObject({ hits: 1, misses: 1, entries: 1 });
        expect(m.methods.predictLTV?.count).toBe(2);
        expect(m.methods.getModelHealth?.count).toBe(2);
        if (name.startsWith("raw TCP")) expect(m.pool.prediction?.open).toBeGreaterThan(0);

        const batch = await client.prediction.predictLTVBatch({ requests: [request("b-1", customer), request("b-2", `${customer}-2`)] });
        expect(batch.responses.map((r) => r.requestId)).toEqual(["b-1", "b-2"]);
      } finally {
        await client.close();
      }
    });
  });
}

describe("cache", () => {
  it("cache: false sends every call to the server", async () => {
    const client = createPredictionClient({ endpoint: server.url, timeoutMs: 5_000, cache: false });
    try {
      const before = await predictionsServed(client);
      await client.prediction.predictLTV(request("n-1", "cust-uncached"));
      await client.prediction.predictLTV(request("n-2", "cust-uncached"));
      expect((await predictionsServed(client)) - before).toBe(2n);
      expect(client.metrics().cache).toMatchObject({ hits: 0, misses: 0, entries: 0 });
    } finally {
      await client.close();
    }
  });
});

describe("deadlines", () => {
  // No local fallback here: a service that does not answer in time is the caller's DeadlineExceeded.
  const frozenClients: [string, (options: Omit<PredictionClientOptions, "endpoint">) => PredictionClient][] = [
    ["gRPC (Node)", (o) => createPredictionClient({ ...o, endpoint: frozen.url })],
    ["raw TCP (Node)", (o) => createPredictionClient({ ...o, endpoint: frozen.tcpUrl })],
    ["Connect over fetch", (o) => createFetchPredictionClient({ ...o, endpoint: frozen.url })],
  ];
  for (const [name, make] of frozenClients) {
    it(`${name}: the client's timeoutMs ends a call the server never answers`, async () => {
      const client = make({ timeoutMs: 150 });
      try {
        const t0 = performance.now();
        const err = await failure(client.prediction.predictLTV(request("d-1", "cust-deadline")));
        expect(Code[err.code]).toBe("DeadlineExceeded");
        expect(performance.now() - t0).toBeLessThan(3_000);
      } finally {
        await client.close();
      }
    });
  }

  it("a call's timeoutMs overrides the client's", async () => {
    const client = createPredictionClient({ endpoint: frozen.url, timeoutMs: 60_000 });
    try {
      const t0 = performance.now();
      const err = await failure(client.prediction.predictLTV(request("d-2", "cust-deadline"), { timeoutMs: 100 }));
      expect(Code[err.code]).toBe("DeadlineExceeded");
      expect(performance.now() - t0).toBeLessThan(3_000);
    } finally {
      await client.close();
    }
  });
});

describe("auth", () => {
  it("sends auth.token over HTTP and TCP; without it, or with another, the server refuses", async () => {
    const clients = [
      createPredictionClient({ endpoint: authServer.url, auth: { token: TOKEN }, timeoutMs: 5_000 }),
      createPredictionClient({ endpoint: authServer.tcpUrl, auth: { token: TOKEN }, timeoutMs: 5_000 }),
      createFetchPredictionClient({ endpoint: authServer.url, auth: { token: TOKEN }, timeoutMs: 5_000 }),
    ];
    const refused = [
      createPredictionClient({ endpoint: authServer.url, timeoutMs: 5_000 }),
      createFetchPredictionClient({ endpoint: authServer.url, auth: { token: `${TOKEN}-wrong` }, timeoutMs: 5_000 }),
    ];
    try {
      for (const client of clients) {
        expect((await client.prediction.predictLTV(request("a-1", "cust-auth"))).status).toBe(PredictionStatus.SUCCESS);
      }
      for (const client of refused) {
        const err = await failure(client.prediction.predictLTV(request("a-2", "cust-auth-refused")));
        expect(Code[err.code]).toBe("Unauthenticated");
        expect(err.message).not.toContain(TOKEN);
      }
    } finally {
      await Promise.all([...clients, ...refused].map((c) => c.close()));
    }
  });
});

describe("close()", () => {
  it("fails every later call with FailedPrecondition, a cached answer included, and may be called again", async () => {
    for (const endpoint of [server.url, server.tcpUrl]) {
      const client = createPredictionClient({ endpoint, timeoutMs: 5_000 });
      await client.prediction.predictLTV(request("c-1", "cust-close"));
      expect(client.metrics().cache.entries).toBe(1);
      await client.close();
      const cached = await failure(client.prediction.predictLTV(request("c-2", "cust-close")));
      expect(Code[cached.code]).toBe("FailedPrecondition");
      expect(Code[(await failure(client.prediction.getModelHealth({}))).code]).toBe("FailedPrecondition");
      await client.close();
    }
  });
});

describe("refused before anything is sent", () => {
  // (Bad options of createPredictionClient: test/security/input-validation-table.test.ts.)
  it("a tcp:// endpoint where the runtime has no sockets: Unimplemented naming the endpoint", () => {
    let err: unknown;
    try {
      createFetchPredictionClient({ endpoint: "tcp://127.0.0.1:1" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect(Code[(err as ConnectError).code]).toBe("Unimplemented");
    expect((err as ConnectError).rawMessage.startsWith("endpoint: "), (err as ConnectError).rawMessage).toBe(true);
  });

  it("invalid requests: InvalidArgument naming the field, at once (the frozen server could not have answered)", async () => {
    for (const client of [
      createPredictionClient({ endpoint: frozen.url, timeoutMs: 5_000 }),
      createPredictionClient({ endpoint: frozen.tcpUrl, timeoutMs: 5_000 }),
      createFetchPredictionClient({ endpoint: frozen.url, timeoutMs: 5_000 }),
    ]) {
      try {
        const t0 = performance.now();
        const empty = await failure(client.prediction.predictLTV({ ...request("v-1", "cust"), customerId: "" }));
        expect(Code[empty.code]).toBe("InvalidArgument");
        expect(empty.rawMessage.startsWith("customerId: "), empty.rawMessage).toBe(true);
        const platform = await failure(client.prediction.predictLTVBatch({ requests: [request("v-2", "c"), { ...request("v-3", "c"), platform: "myspace" }] }));
        expect(Code[platform.code]).toBe("InvalidArgument");
        expect(platform.rawMessage.startsWith("requests[1].platform: "), platform.rawMessage).toBe(true);
        expect(performance.now() - t0).toBeLessThan(1_000);
      } finally {
        await client.close();
      }
    }
  });
});
