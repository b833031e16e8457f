import { Code, ConnectError } from "@connectrpc/connect";
import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientEvent } from "../../src/metrics/client-event.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { createClient as createFetchClient } from "../../src/web/create-client-fetch.js";
import { createPredictionClient as createFetchPredictionClient } from "../../src/web/create-prediction-client-fetch.js";
import { spawnReferenceServer, spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";

// Misconfiguration is loud: warmup() proves each endpoint answers, the local
// fallback never hides a wrong address or token without a `misconfiguration`
// event and counter, and createClient refuses options it does not know.
const TOKEN = "misconfig-token-8d2a";
let tokenServer: ReferenceServerProcess;
let closedUrl: string;
beforeAll(async () => {
  tokenServer = await spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: TOKEN });
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await tokenServer?.kill();
});

const request = (id: string) => ({ requestId: id, customerId: `cust-${id}`, platform: "meta" });

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  const e: unknown = await p.then(
    () => expect.fail("expected a rejection"),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

function recorder() {
  const events: ClientEvent[] = [];
  return { events, onEvent: (e: ClientEvent) => events.push(e), of: (type: ClientEvent["type"]) => events.filter((e) => e.type === type) };
}

describe("the fallback never hides a misconfiguration silently", () => {
  for (const [name, url] of [
    ["a closed port over gRPC", () => `http://${closedUrl}`],
    ["a closed port over raw TCP", () => `tcp://${closedUrl}`],
    ["a raw TCP server that requires a token the client lacks", () => tokenServer.tcpUrl],
  ] as const) {
    it(`${name}: FALLBACK answers come with misconfiguration events and a counter`, async () => {
      const r = recorder();
      const client = createClient({ prediction: url(), timeoutMs: 5_000, cache: false, onEvent: r.onEvent });
      try {
        for (let i = 0; i < 8; i++) {
          const answer = await client.prediction.predictLTV(request(`m-${i}`));
          expect(answer.status).toBe(PredictionStatus.FALLBACK);
        }
        const m = client.metrics();
        expect(m.fallbacks).toBe(8);
        expect(m.misconfigurations).toBe(8); // every answer, the breaker's refusals included
        expect(m.fallbacksByReason["circuit-open"]).toBeGreaterThan(0);
        const events = r.of("misconfiguration");
        expect(events).toHaveLength(8);
        for (const e of events) expect(e).toMatchObject({ service: "prediction", method: "predictLTV", reason: "unreachable", code: Code.Unavailable });
        const first = events[0] as Extract<ClientEvent, { type: "misconfiguration" }>;
        expect(first.message).toMatch(/has not answered a call.*last error: .+/);
        // Each comes right before the fallback event it explains.
        const i = r.events.indexOf(first);
        expect(r.events[i + 1]).toMatchObject({ type: "fallback", method: "predictLTV" });
      } finally {
        await client.close();
      }
    });
  }

  it("Unauthenticated hidden by a fallback configured for it: a misconfiguration event naming it", async () => {
    const r = recorder();
    const client = createClient({
      prediction: tokenServer.url,
      auth: { token: "wrong-token" },
      timeoutMs: 5_000,
      cache: false,
      fallback: { codes: [Code.Unavailable, Code.Unauthenticated] },
      onEvent: r.onEvent,
    });
    try {
      expect((await client.prediction.predictLTV(request("u"))).status).toBe(PredictionStatus.FALLBACK);
      const [event] = r.of("misconfiguration");
      expect(event).toMatchObject({ reason: "unauthenticated", code: Code.Unauthenticated, service: "prediction" });
      expect(JSON.stringify(event)).not.toContain("wrong-token");
      expect(client.metrics().misconfigurations).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("PermissionDenied hidden by a fallback configured for it: a misconfiguration event naming it", async () => {
    // An independent gRPC server that refuses every call with PERMISSION_DENIED (trailers-only).
    const denying = http2.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/grpc", "grpc-status": "7", "grpc-message": "caller may not predict" });
      res.end();
    });
    await new Promise<void>((resolve) => denying.listen(0, "127.0.0.1", resolve));
    const r = recorder();
    const client = createClient({
      prediction: `http://127.0.0.1:${(denying.address() as net.AddressInfo).port}`,
      timeoutMs: 5_000,
      cache: false,
      fallback: { codes: [Code.Unavailable, Code.PermissionDenied] },
      onEvent: r.onEvent,
    });
    try {
      expect((await client.prediction.predictLTV(request("p"))).status).toBe(PredictionStatus.FALLBACK);
      expect(r.of("misconfiguration")).toEqual([
        { type: "misconfiguration", service: "prediction", method: "predictLTV", reason: "permission-denied", code: Code.PermissionDenied, message: "caller may not predict" },
      ]);
      expect(client.metrics().misconfigurations).toBe(1);
    } finally {
      await client.close();
      denying.close();
    }
  });

  it("with the default fallback codes Unauthenticated is not hidden: the call rejects, no event", async () => {
    const r = recorder();
    const client = createClient({ prediction: tokenServer.url, timeoutMs: 5_000, cache: false, onEvent: r.onEvent });
    try {
      expect((await rejection(client.prediction.predictLTV(request("d")))).code).toBe(Code.Unauthenticated);
      expect(r.of("misconfiguration")).toHaveLength(0);
      expect(client.metrics().misconfigurations).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("an outage of an endpoint that answered before is a plain fallback, not a misconfiguration", async () => {
    const own = await spawnReferenceServer();
    const r = recorder();
    const client = createClient({ prediction: own.url, timeoutMs: 5_000, cache: false, onEvent: r.onEvent });
    try {
      expect((await client.prediction.predictLTV(request("before"))).status).not.toBe(PredictionStatus.FALLBACK);
      await own.kill();
      expect((await client.prediction.predictLTV(request("after"))).status).toBe(PredictionStatus.FALLBACK);
      expect(r.of("fallback")).toHaveLength(1);
      expect(r.of("misconfiguration")).toHaveLength(0);
      expect(client.metrics().misconfigurations).toBe(0);
    } finally {
      await client.close();
      await own.kill();
    }
  });
});

describe("warmup() verifies every endpoint", () => {
  it("gRPC: rejects Unauthenticated naming the endpoint without the token; resolves with it", async () => {
    const bad = createClient({ prediction: tokenServer.url, storage: tokenServer.url, timeoutMs: 5_000 });
    const good = createClient({ prediction: tokenServer.url, storage: tokenServer.url, auth: { token: TOKEN }, timeoutMs: 5_000 });
    try {
      const e = await rejection(bad.warmup());
      expect(e.code).toBe(Code.Unauthenticated);
      // Both fail; the first endpoint given is the one reported.
      expect(e.rawMessage).toBe(`warmup: prediction endpoint ${tokenServer.url} (grpc): missing or wrong bearer token`);
      await good.warmup();
      const storageOnly = createClient({ storage: tokenServer.url, timeoutMs: 5_000 });
      const s = await rejection(storageOnly.warmup());
      await storageOnly.close();
      expect(s.rawMessage).toMatch(/^warmup: storage endpoint \S+ \(grpc\): /);
    } finally {
      await Promise.all([bad.close(), good.close()]);
    }
  });

  it("raw TCP: a server requiring a token the client lacks fails warmup, with a hint; with the token it passes", async () => {
    const bad = createClient({ storage: tokenServer.tcpUrl, timeoutMs: 5_000 });
    const good = createClient({ storage: tokenServer.tcpUrl, auth: { token: TOKEN }, timeoutMs: 5_000 });
    try {
      const e = await rejection(bad.warmup());
      expect(e.code).toBe(Code.Unavailable);
      expect(e.rawMessage).toContain(`warmup: storage endpoint ${tokenServer.tcpUrl}`);
      expect(e.rawMessage).toContain("pass `auth`");
      await good.warmup();
    } finally {
      await Promise.all([bad.close(), good.close()]);
    }
  });

  it("fetch and createPredictionClient: nothing listening rejects Unavailable; after close() FailedPrecondition", async () => {
    for (const client of [
      createFetchClient({ prediction: `http://${closedUrl}` }),
      createPredictionClient({ endpoint: `http://${closedUrl}` }),
      createFetchPredictionClient({ endpoint: `http://${closedUrl}` }),
    ]) {
      const e = await rejection(client.warmup());
      expect(e.code).toBe(Code.Unavailable);
      expect(e.rawMessage).toContain(`prediction endpoint http://${closedUrl}`);
      await client.close();
      expect((await rejection(client.warmup())).code).toBe(Code.FailedPrecondition);
    }
  });

  it("its deadline is its own (timeoutMs option), and its options are checked", async () => {
    const silent = net.createServer((s) => s.on("error", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const client = createClient({ storage: `tcp://127.0.0.1:${port}`, timeoutMs: 5_000 });
    try {
      const e = await rejection(client.warmup({ timeoutMs: 300 }));
      expect(e.code).toBe(Code.DeadlineExceeded);
      expect(e.rawMessage).toMatch(/^warmup: storage endpoint tcp:\/\/127\.0\.0\.1:\d+: HealthCheck: deadline of 300 ms exceeded/);
      expect((await rejection(client.warmup({ timeoutMs: -1 }))).rawMessage).toMatch(/^timeoutMs: /);
    } finally {
      await client.close();
      silent.close();
    }
  });
});

describe("unknown options are refused", () => {
  const cases: [string, () => unknown, string][] = [
    ["a misspelt endpoint", () => createClient({ prediciton: "http://127.0.0.1:1" } as never), "prediciton: is not an option; did you mean `prediction`?"],
    ["on the fetch runtime too", () => createFetchClient({ strorage: "http://127.0.0.1:1" } as never), "strorage: is not an option; did you mean `storage`?"],
    ["a name with nothing near", () => createClient({ prediction: "http://127.0.0.1:1", colour: "blue" } as never), "colour: is not an option"],
    ["in an endpoint", () => createClient({ prediction: { url: "http://127.0.0.1:1", protocl: "connect" } } as never), "prediction.protocl: is not an option; did you mean `protocol`?"],
    ["in http2", () => createClient({ storage: { url: "http://127.0.0.1:1", http2: { session: 2 } } } as never), "storage.http2.session: is not an option; did you mean `sessions`?"],
    ["in retry", () => createClient({ retry: { maxAtempts: 2 } } as never), "retry.maxAtempts: is not an option; did you mean `maxAttempts`?"],
    ["in circuitBreaker", () => createClient({ circuitBreaker: { openMS: 10 } } as never), "circuitBreaker.openMS: is not an option; did you mean `openMs`?"],
    ["in fallback", () => createClient({ fallback: { code: [] } } as never), "fallback.code: is not an option; did you mean `codes`?"],
    ["by createPredictionClient", () => createPredictionClient({ endpoint: "http://127.0.0.1:1", timeotMs: 5 } as never), "timeotMs: is not an option; did you mean `timeoutMs`?"],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: InvalidArgument naming it`, () => {
      let thrown: unknown;
      try {
        make();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ConnectError);
      expect((thrown as ConnectError).code).toBe(Code.InvalidArgument);
      expect((thrown as ConnectError).rawMessage).toBe(message);
    });
  }

  it("an option set to undefined counts as not given", async () => {
    const client = createClient({ prediction: "http://127.0.0.1:1", extra: undefined } as never);
    await client.close();
  });
});
