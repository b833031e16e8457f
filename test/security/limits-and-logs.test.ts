import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { validationLimits } from "../../src/validation/validation-limits.js";
import { spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";

// Limits are enforced on the client before sending (the server's request
// counter does not move), and neither tokens nor request payloads reach an
// error, an event or a log line, on the client or on the server.
const TOKEN = "tok-logs-4e7d19c2";
const PII = "PII-marker-0b5e";
const wire = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 5000 } as const;
let server: ReferenceServer;
beforeAll(async () => {
  server = await createServer({ host: "127.0.0.1", port: 0, tcp: true });
});
afterAll(async () => {
  await server.close();
});

async function rejected(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

describe.each(["gRPC", "TCP"] as const)("%s: limits enforced before sending", (t) => {
  const url = () => (t === "gRPC" ? server.url : server.tcpUrl!);
  const big = validationLimits;
  const cases: [string, string, (c: ReturnType<typeof createClient>) => Promise<unknown>][] = [
    ["batch size", "requests", (c) => c.prediction.predictLTVBatch({ requests: Array.from({ length: big.maxBatchSize + 1 }, (_, i) => ({ requestId: `${i}`, customerId: "c", platform: "meta" })) })],
    ["vector dimension (query)", "queryVector", (c) => c.storage.vectorSearch({ queryVector: new Array(big.maxVectorDimension + 1).fill(0.5), k: 1 })],
    ["vector dimension (embedding)", "embedding", (c) => c.storage.learnConcept({ conceptId: "v", embedding: new Array(big.maxVectorDimension + 1).fill(0.5) })],
    ["string length", "content", (c) => c.storage.learnConcept({ conceptId: "s", content: "x".repeat(big.maxStringLength + 1) })],
    ["id length", "customerId", (c) => c.prediction.predictLTV({ customerId: "c".repeat(big.maxIdLength + 1), platform: "meta" })],
    ["event history", "eventHistory", (c) => c.prediction.predictLTV({ customerId: "c", platform: "meta", eventHistory: Array.from({ length: big.maxEventHistory + 1 }, () => ({ timestampMs: 1n, eventType: "view" })) })],
  ];
  for (const [name, field, call] of cases) {
    it(`${name}: InvalidArgument naming ${field}, nothing sent`, async () => {
      const client = createClient({ ...wire, prediction: url(), storage: url() });
      try {
        const before = server.requestCount();
        const e = await rejected(call(client));
        expect(e.code).toBe(Code.InvalidArgument);
        expect(e.rawMessage.startsWith(`${field}: `), e.rawMessage).toBe(true);
        expect(server.requestCount()).toBe(before);
      } finally {
        await client.close();
      }
    });
  }
});

describe("TCP frame cap on requests", () => {
  it("a valid request that encodes above maxFrameBytes fails before any byte; the connection keeps serving", async () => {
    const client = createClient({ ...wire, storage: { url: server.tcpUrl!, tcp: { maxFrameBytes: 4096, pool: { max: 1 } } } });
    try {
      await client.warmup();
      const before = server.requestCount();
      const e = await rejected(client.storage.learnConcept({ conceptId: "frame", content: PII.repeat(500) }));
      expect(e.code).toBe(Code.InvalidArgument);
      expect(e.rawMessage).toMatch(/^request: encodes to \d+ bytes, above the 4096-byte frame cap/);
      expect(e.rawMessage).not.toContain(PII);
      expect(server.requestCount()).toBe(before);
      expect((await client.storage.learnConcept({ conceptId: "frame", content: "small" })).sequence).toBeGreaterThan(0n);
    } finally {
      await client.close();
    }
  });
});

describe("tokens and payloads never reach errors, events or logs", () => {
  let cli: ReferenceServerProcess;
  beforeAll(async () => {
    cli = await spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await cli?.kill();
  });

  it("wrong tokens, a dead endpoint, bad input and server errors, with every layer on", async () => {
    const logged: string[] = [];
    const original = { out: process.stdout.write, err: process.stderr.write, log: console.log, warn: console.warn, error: console.error };
    const capture = (chunk: unknown) => void logged.push(String(chunk));
    process.stdout.write = ((c: unknown) => (capture(c), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: unknown) => (capture(c), true)) as typeof process.stderr.write;
    console.log = console.warn = console.error = (...a: unknown[]) => capture(a.map(String).join(" "));
    const events: string[] = [];
    const errors: string[] = [];
    const note = (e: unknown) => {
      const ce = ConnectError.from(e);
      let metadata = "";
      ce.metadata.forEach((v, k) => (metadata += `${k}=${v};`));
      errors.push(`${ce.message} | ${String(ce.cause)} | ${metadata} | ${JSON.stringify(ce.details)}`);
    };
    const onEvent = (ev: unknown) => void events.push(JSON.stringify(ev, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
    const request = { requestId: `req-${PII}`, customerId: `cust-${PII}`, platform: "meta", metadata: { note: PII } };
    try {
      for (const url of [cli.url, cli.tcpUrl]) {
        for (const token of [`${TOKEN}-wrong`, TOKEN]) {
          const client = createClient({ prediction: url, storage: url, auth: { token }, timeoutMs: 2000, onEvent });
          try {
            await client.prediction.predictLTV(request).catch(note);
            await client.storage.learnConcept({ conceptId: `id-${PII}`, content: PII }).catch(note);
            await client.prediction.predictLTV({ ...request, platform: `bad-${PII}` }).catch(note);
            await client.storage.vectorSearch({ queryVector: [1, Number.NaN], k: 1 }).catch(note);
          } finally {
            await client.close();
          }
        }
      }
      // Nothing listening: retries, breaker and fallback all run.
      const dead = createClient({ prediction: "http://127.0.0.1:9", auth: { token: TOKEN }, timeoutMs: 300, onEvent });
      for (let i = 0; i < 8; i++) await dead.prediction.predictLTV(request).catch(note);
      await dead.close();
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
      console.log = original.log;
      console.warn = original.warn;
      console.error = original.error;
    }
    expect(errors.length).toBeGreaterThan(5);
    for (const text of [...errors, ...events, ...logged, cli.output()]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PII);
    }
  });
});
