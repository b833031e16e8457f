import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema, PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { ClientEvent } from "../../src/metrics/client-event.js";
import { createRedisPredictionCache, fromIoredis, type RedisPredictionCache } from "../../src/fleet/index.js";
import { backgroundWaitUntil, createClient, sharedPredictionCache, type SharedPredictionCache } from "../../src/index-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { ioredisClient } from "../fleet/fleet-fixtures.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

// The shared prediction cache (L2) on a real redis-server, between clients
// of a real reference server: what one client learned, another reads.
let redisServer: RedisServer;
let redis: Redis;
let server: ReferenceServer;
let n = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(customerId: string, requestId = `r-${++n}`, extra: Omit<MessageInitShape<typeof LTVPredictionRequestSchema>, "$typeName"> = {}) {
  return create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "meta",
    campaignId: "camp-1",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 80, source: "web" }],
    features: [0.5],
    ...extra,
  });
}

/** A client whose cache is backed by `shared`: each one has its own empty L1, as another process would. */
function clientOn(shared: RedisPredictionCache, extra: { sharedTimeoutMs?: number; timeoutMs?: number; onEvent?: (e: ClientEvent) => void } = {}) {
  return createClient({
    prediction: server.url,
    timeoutMs: extra.timeoutMs ?? 5_000,
    // One request per call, so the service's request count tells hits from misses.
    retry: false,
    hedging: false,
    cache: { ttlMs: 60_000, shared, sharedTimeoutMs: extra.sharedTimeoutMs ?? 1_000 },
    onEvent: extra.onEvent,
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return true;
    await sleep(10);
  }
  return cond();
}

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = ioredisClient(redisServer.port);
  server = await createServer();
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
  await redisServer?.close();
});

describe("shared prediction cache (L2) on Redis", () => {
  it("another client's answer is read from Redis on an L1 miss (no request to the service); a miss goes to the service and is written", async () => {
    const prefix = `l2t${++n}`;
    const shared = createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: prefix });
    const a = clientOn(shared);
    const b = clientOn(shared);
    try {
      const before = server.requestCount();
      const first = await a.prediction.predictLTV(request("cust-hit", "r-a"));
      expect(server.requestCount()).toBe(before + 1);
      expect(a.metrics().cache.shared).toMatchObject({ hits: 0, misses: 1, writes: 1 });
      // The write is not waited on: wait for it here, bounded.
      expect(await until(async () => (await redis.keys(`${prefix}:*`)).length === 1, 5_000)).toBe(true);
      const [key] = await redis.keys(`${prefix}:*`);
      expect(key).toMatch(new RegExp(`^${prefix}:p1:[0-9a-z]+:cust-hit$`));
      const ttl = await redis.pttl(key!);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);

      const second = await b.prediction.predictLTV(request("cust-hit", "r-b"));
      expect(server.requestCount()).toBe(before + 1);
      expect(second.requestId).toBe("r-b");
      expect(second.predictedLtv).toBe(first.predictedLtv);
      expect(second.status).toBe(PredictionStatus.SUCCESS);
      expect(b.metrics().cache.shared).toMatchObject({ hits: 1, misses: 0, timeouts: 0, errors: 0, writes: 0 });
      // Now in b's own cache too: no second read from Redis.
      const reads = shared.metrics().reads;
      await b.prediction.predictLTV(request("cust-hit", "r-c"));
      expect(shared.metrics().reads).toBe(reads);
      expect(b.metrics().cache.hits).toBe(1);

      // Another question: a miss in both, answered by the service.
      await b.prediction.predictLTV(request("cust-other"));
      expect(server.requestCount()).toBe(before + 2);
      expect(b.metrics().cache.shared).toMatchObject({ hits: 1, misses: 1, writes: 1 });
    } finally {
      a.close();
      b.close();
    }
  });

  it("the write is handed to the call's backgroundWaitUntil, else the client's waitUntil (a Worker would cancel it otherwise), and has landed once that settles", async () => {
    const prefix = `l2t${++n}`;
    const shared = createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: prefix });
    const toClient: Promise<unknown>[] = [];
    const client = createClient({
      prediction: server.url,
      timeoutMs: 5_000,
      cache: { ttlMs: 60_000, shared, sharedTimeoutMs: 1_000 },
      waitUntil: (p) => void toClient.push(p),
    });
    try {
      await client.prediction.predictLTV(request("cust-wait-client"));
      expect(toClient).toHaveLength(1);
      await toClient[0];
      // Landed when the promise settled: no polling.
      expect(await redis.keys(`${prefix}:*cust-wait-client`)).toHaveLength(1);
      const toCall: Promise<unknown>[] = [];
      await client.prediction.predictLTV(request("cust-wait-call"), {
        contextValues: createContextValues().set(backgroundWaitUntil, (p) => void toCall.push(p)),
      });
      expect([toCall.length, toClient.length]).toEqual([1, 1]);
      await toCall[0];
      expect(await redis.keys(`${prefix}:*cust-wait-call`)).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("misses of one tick share one MGET", async () => {
    const shared = createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: `l2t${++n}` });
    const a = clientOn(shared);
    const b = clientOn(shared);
    try {
      const ids = ["m0", "m1", "m2", "m3", "m4"].map((s) => `${s}-${n}`);
      for (const id of ids.slice(0, 3)) await a.prediction.predictLTV(request(id));
      expect(await until(() => shared.metrics().writes === 3, 5_000)).toBe(true);
      await sleep(50);
      const reads = shared.metrics().reads;
      const before = server.requestCount();
      const answers = await Promise.all(ids.map((id) => b.prediction.predictLTV(request(id))));
      expect(answers.every((r) => r.status === PredictionStatus.SUCCESS)).toBe(true);
      expect(shared.metrics().reads - reads).toBe(1);
      expect(b.metrics().cache.shared).toMatchObject({ hits: 3, misses: 2 });
      expect(server.requestCount() - before).toBe(2);
    } finally {
      a.close();
      b.close();
    }
  });

  it("a stalled Redis (CLIENT PAUSE): the lookup gives up at sharedTimeoutMs, the service answers well within the deadline, and the write does not hold the call", async () => {
    const own = ioredisClient(redisServer.port);
    const prefix = `l2t${++n}`;
    const shared = createRedisPredictionCache({ redis: fromIoredis(own), keyPrefix: prefix });
    const events: ClientEvent[] = [];
    const c = clientOn(shared, { sharedTimeoutMs: 50, timeoutMs: 8_000, onEvent: (e) => events.push(e) });
    const admin = ioredisClient(redisServer.port);
    try {
      await own.ping();
      await admin.call("CLIENT", "PAUSE", "4000", "ALL");
      const t0 = performance.now();
      const answer = await c.prediction.predictLTV(request("cust-paused"));
      const ms = performance.now() - t0;
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
      // Well before the pause ends (4 s) and the deadline (8 s): neither the read nor the write held it.
      expect(ms).toBeLessThan(3_000);
      expect(c.metrics().cache.shared).toMatchObject({ hits: 0, timeouts: 1, writes: 1 });
      const timeout = events.find((e) => e.type === "shared-cache");
      expect(timeout).toMatchObject({ type: "shared-cache", outcome: "timeout", keys: 1 });
      // The write was sent and is still waiting on the paused server.
      expect(await until(() => shared.metrics().writes === 1, 2_000)).toBe(true);
      expect(shared.metrics()).toMatchObject({ reads: 1, writes: 1, writesFailed: 0 });
      await admin.call("CLIENT", "UNPAUSE");
      expect(await until(async () => (await admin.keys(`${prefix}:*`)).length === 1, 5_000)).toBe(true);
    } finally {
      await admin.call("CLIENT", "UNPAUSE").catch(() => {});
      c.close();
      own.disconnect();
      admin.disconnect();
    }
  });

  it("an unreachable Redis is an error event and a miss; the call is answered by the service", async () => {
    const stopped = await startRedisServer();
    const port = stopped.port;
    await stopped.close();
    const dead = ioredisClient(port);
    const shared = createRedisPredictionCache({ redis: fromIoredis(dead) });
    const events: ClientEvent[] = [];
    const c = clientOn(shared, { sharedTimeoutMs: 2_000, onEvent: (e) => events.push(e) });
    try {
      const answer = await c.prediction.predictLTV(request("cust-dead"));
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
      const m = c.metrics().cache.shared;
      expect(m.errors + m.timeouts).toBe(1);
      expect(events.some((e) => e.type === "shared-cache")).toBe(true);
    } finally {
      c.close();
      dead.disconnect();
    }
  });

  it("refuses bad options with InvalidArgument naming the field", () => {
    const shared = createRedisPredictionCache({ redis: fromIoredis(redis) });
    const bad = (f: () => unknown, field: string) => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage.startsWith(`${field}:`)).toBe(true);
    };
    bad(() => createClient({ prediction: server.url, cache: { shared: {} as never } }), "cache.shared");
    // A store of one's own goes through sharedPredictionCache() (which carries the reader): a bare one is refused before any call.
    const bare: SharedPredictionCache = { getMany: async (keys) => keys.map(() => undefined), set() {} };
    bad(() => createClient({ prediction: server.url, cache: { shared: bare } }), "cache.shared");
    bad(() => sharedPredictionCache({} as never), "store");
    bad(() => sharedPredictionCache(null as never), "store");
    bad(() => createClient({ prediction: server.url, cache: { shared, sharedTimeoutMs: 0 } }), "cache.sharedTimeoutMs");
    bad(() => createClient({ prediction: server.url, cache: { shared, sharedTimeoutMs: Number.NaN } }), "cache.sharedTimeoutMs");
    bad(() => createRedisPredictionCache({ redis: {} as never }), "redis");
    bad(() => createRedisPredictionCache({ redis: fromIoredis(redis), keyPrefix: "a b" }), "keyPrefix");
    bad(() => createRedisPredictionCache({ redis: fromIoredis(redis), maxWritesInFlight: 0 }), "maxWritesInFlight");
    bad(() => createRedisPredictionCache({ redis: fromIoredis(redis), writeTimeoutMs: -1 }), "writeTimeoutMs");
  });

  it("reads and writes a store of one's own through sharedPredictionCache(store), a bad value counted as a miss", async () => {
    const entries = new Map<string, Uint8Array>();
    let reads = 0;
    const store: SharedPredictionCache = {
      async getMany(keys) {
        reads++;
        return keys.map((k) => entries.get(k));
      },
      set(key, value) {
        entries.set(key, value);
      },
    };
    const shared = sharedPredictionCache(store);
    const on = () =>
      createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, hedging: false, cache: { ttlMs: 60_000, shared, sharedTimeoutMs: 1_000 } });
    const a = on();
    const b = on();
    const c = on();
    try {
      const first = await a.prediction.predictLTV(request("own-1", "r-own-a"));
      expect(a.metrics().cache.shared).toMatchObject({ hits: 0, misses: 1, writes: 1 });
      expect(entries.size).toBe(1);
      const second = await b.prediction.predictLTV(request("own-1", "r-own-b"));
      expect(b.metrics().cache.shared).toMatchObject({ hits: 1, misses: 0, writes: 0 });
      expect(second.requestId).toBe("r-own-b");
      expect(second.predictedLtv).toBe(first.predictedLtv);
      // Bytes that do not decode as an answer: a miss, and the service answers.
      for (const k of entries.keys()) entries.set(k, new Uint8Array([0xff, 0xff, 0xff]));
      const third = await c.prediction.predictLTV(request("own-1", "r-own-c"));
      expect(third.predictedLtv).toBe(first.predictedLtv);
      expect(c.metrics().cache.shared).toMatchObject({ hits: 0, misses: 1, writes: 1 });
      expect(reads).toBe(3);
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });
});
