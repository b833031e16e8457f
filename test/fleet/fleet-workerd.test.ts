import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisPredictionCache, fromIoredis } from "../../src/fleet/index.js";
import { createClient } from "../../src/index-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { predictionFields, predictionRequest } from "../runtimes/guest/runtime-scenario.js";
import { startWorkerdGuest } from "../runtimes/support/workerd-guest.js";
import type { ServerProcess } from "../support/server-process.js";
import { startRedisServer, startUpstashRestServer, type RedisServer } from "../support/redis-server.js";
import { ioredisClient } from "./fleet-fixtures.js";

// The edge path end to end: the built `syncvalue/fleet` inside workerd
// (Miniflare), over @upstash/redis (HTTP) to an Upstash-compatible REST
// server in front of a real redis-server, all on 127.0.0.1.
let server: RedisServer;
let rest: ServerProcess;
let redis: Redis;
let service: ReferenceServer;
const token = "fleet-workerd-token";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startRedisServer();
  rest = await startUpstashRestServer(server, token);
  redis = ioredisClient(server.port);
  service = await createServer();
});
afterAll(async () => {
  redis?.disconnect();
  await service?.close();
  await rest?.kill();
  await server?.close();
});

it("workerd (Miniflare): leases, bids and writes a win through @upstash/redis; the books balance", async () => {
  const { mf, inputs, logged } = await startWorkerdGuest("fleet-worker.ts");
  expect(inputs).toContain("dist/fleet/index.js");
  try {
    const query = new URLSearchParams({ rest: `http://127.0.0.1:${rest.ready["port"]}`, token, campaign: "workerd" });
    const response = await mf.dispatchFetch(`http://worker.local/?${query}`);
    const text = await response.text();
    const r = JSON.parse(text) as {
      seeded: string;
      ready: boolean;
      bids: number;
      tripsWhileBidding: number;
      beforeClose: { state: string; leaseId: string; bids: number; roundTripsBy: Record<string, number>; unwritten: number };
      noBid: boolean;
      outcome: { applied: boolean; spend: number };
      books: { total: number; pool: number; outstanding: number; spent: number; late: number; leases: number };
      metrics: { state: string; roundTrips: number };
    };
    expect(r.seeded).toBe("created");
    expect(r.ready).toBe(true);
    expect(r.noBid).toBe(false);
    // A lease inside the Worker: five bids from it with no Redis round trip; one for the lease, one for the win.
    expect(r.bids).toBe(5);
    expect(r.tripsWhileBidding).toBe(0);
    expect(r.beforeClose).toMatchObject({ state: "active", bids: 5, unwritten: 0 });
    expect(r.beforeClose.leaseId).toMatch(/~0$/);
    // The first lease is one EVAL (it loads the script), the win one EVALSHA.
    expect(r.beforeClose.roundTripsBy).toMatchObject({ start: 1, renew: 0, write: 1, retry: 0, starved: 0, report: 0 });
    expect(r.outcome).toMatchObject({ applied: true, spend: 0.5 });
    expect(r.books).toMatchObject({ total: 20, spent: 0.5, late: 0, leases: 0, outstanding: 0, pool: 19.5 });
    expect(r.metrics.state).toBe("closed");
  } finally {
    await mf.dispose();
  }
  expect(logged()).not.toMatch(/unhandled|uncaught/i);
}, 60_000);

it("workerd (Miniflare): the shared prediction cache over @upstash/redis answers a hit inside a Worker from a Node client's answer, and a Worker's miss is a hit for Node", async () => {
  const prefix = "l2-workerd";
  const nodeClient = () =>
    createClient({
      prediction: service.url,
      timeoutMs: 5_000,
      retry: false,
      hedging: false,
      cache: { ttlMs: 60_000, shared: createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: prefix }), sharedTimeoutMs: 2_000 },
    });
  const until = async (cond: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) if (await cond()) return true;
    return cond();
  };
  const { mf, inputs, logged } = await startWorkerdGuest("fleet-cache-worker.ts");
  expect(inputs).toContain("dist/fleet/index.js");
  const ask = async (customer: string, wait = false) => {
    const query = new URLSearchParams({ rest: `http://127.0.0.1:${rest.ready["port"]}`, token, prediction: service.url, prefix, customer, wait: wait ? "1" : "" });
    const response = await mf.dispatchFetch(`http://worker.local/?${query}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as {
      fields: unknown;
      shared: { hits: number; misses: number; timeouts: number; errors: number; writes: number };
      store: { reads: number; writes: number };
      written: boolean;
    };
  };
  try {
    // A Node client answers from the service and writes the answer to Redis.
    const a = nodeClient();
    const fromNode = predictionFields(await a.prediction.predictLTV(predictionRequest("cust-node", 3)));
    await a.close();
    expect(await until(async () => (await redis.keys(`${prefix}:*cust-node`)).length === 1 || (await sleep(50), false))).toBe(true);

    // Inside the Worker, a fresh client (empty L1) reads it from Redis: no request to the service.
    const before = service.requestCount();
    const hit = await ask("cust-node");
    expect(service.requestCount()).toBe(before);
    expect(hit.shared).toMatchObject({ hits: 1, misses: 0, timeouts: 0, errors: 0, writes: 0 });
    expect(hit.store.reads).toBe(1);
    expect(hit.fields).toEqual(fromNode);

    // A miss inside the Worker goes to the service and is written through Upstash...
    const miss = await ask("cust-worker", true);
    expect(service.requestCount()).toBe(before + 1);
    expect(miss.shared).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(miss.written).toBe(true);
    // ...and a Node client reads what the Worker wrote, with no request to the service.
    const b = nodeClient();
    expect(predictionFields(await b.prediction.predictLTV(predictionRequest("cust-worker", 3)))).toEqual(miss.fields);
    expect(b.metrics().cache.shared).toMatchObject({ hits: 1, misses: 0 });
    expect(service.requestCount()).toBe(before + 1);
    await b.close();
  } finally {
    await mf.dispose();
  }
  expect(logged()).not.toMatch(/unhandled|uncaught/i);
}, 90_000);
