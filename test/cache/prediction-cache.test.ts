import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheControl } from "../../src/cache/cache-control.js";
import {
  LTVPredictionRequestSchema,
  PredictionStatus,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

const DAY = 86_400_000;
const pairs = (h: Headers) => {
  const out: string[] = [];
  h.forEach((v, k) => out.push(`${k}: ${v}`));
  return out;
};

function request(customerId: string, requestId: string, extra: Omit<MessageInitShape<typeof LTVPredictionRequestSchema>, "$typeName"> = {}) {
  return create(LTVPredictionRequestSchema, {
    requestId,
    timestampMs: BigInt(1_700_000_000_000 + Number(requestId.length)),
    customerId,
    platform: "meta",
    campaignId: "camp-1",
    adGroupId: "ag-1",
    eventHistory: [
      { timestampMs: BigInt(1_700_000_000_000 - 10 * DAY), eventType: "purchase", eventValue: 80, source: "web" },
      { timestampMs: BigInt(1_700_000_000_000 - 2 * DAY), eventType: "click", eventValue: 0, source: "app" },
    ],
    features: [0.5, 1.5],
    metadata: { tier: "gold", region: "eu" },
    ...extra,
  });
}

describe("prediction cache", () => {
  let server: ReferenceServer;
  let slowUntil = 0;
  beforeAll(async () => {
    server = await createServer({
      model: async (req) => {
        if (req.customerId.startsWith("slow") && Date.now() < slowUntil) await new Promise((r) => setTimeout(r, 200));
        return predictBaselineLtv(req);
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers a repeated prediction from the cache without reaching the server, with the caller's requestId", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000 });
    try {
      const before = server.requestCount();
      const first = await client.prediction.predictLTV(request("c-hit", "r-1"));
      expect(server.requestCount()).toBe(before + 1);
      // Another requestId and timestamp: the same answer, not another request.
      const second = await client.prediction.predictLTV(request("c-hit", "r-2-other"));
      expect(server.requestCount()).toBe(before + 1);
      expect(second.requestId).toBe("r-2-other");
      expect(first.requestId).toBe("r-1");
      expect(second.predictedLtv).toBe(first.predictedLtv);
      expect(second.status).toBe(PredictionStatus.SUCCESS);
      // Metadata in another insertion order is the same question.
      const reordered = request("c-hit", "r-3", { metadata: { region: "eu", tier: "gold" } });
      await client.prediction.predictLTV(reordered);
      expect(server.requestCount()).toBe(before + 1);
      // A different history, feature, or campaign is a different question.
      await client.prediction.predictLTV(request("c-hit", "r-4", { features: [0.5, 1.25] }));
      await client.prediction.predictLTV(request("c-hit", "r-5", { campaignId: "camp-2" }));
      await client.prediction.predictLTV(request("c-hit", "r-6", { eventHistory: [] }));
      expect(server.requestCount()).toBe(before + 4);
      const m = client.metrics();
      expect(m.cache.hits).toBe(2);
      expect(m.cache.misses).toBe(4);
      expect(m.cache.entries).toBe(4);
      expect(m.cache.bytes).toBeGreaterThan(0);
      expect(m.methods.predictLTV?.count).toBe(6);
      // A caller mutating its copy does not change what the next caller gets.
      second.predictedLtv = -1;
      expect((await client.prediction.predictLTV(request("c-hit", "r-7"))).predictedLtv).toBe(first.predictedLtv);
    } finally {
      await client.close();
    }
  });

  it("shares one request among concurrent identical calls", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000 });
    try {
      const before = server.requestCount();
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.prediction.predictLTV(request("c-coalesce", `r-${i}`))),
      );
      expect(server.requestCount()).toBe(before + 1);
      expect(new Set(answers.map((a) => a.requestId)).size).toBe(40);
      expect(answers.every((a, i) => a.requestId === `r-${i}`)).toBe(true);
      expect(client.metrics().cache.coalesced).toBe(39);
    } finally {
      await client.close();
    }
  });

  it("bypasses or refreshes the cache per call, and can be switched off", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000 });
    const off = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false });
    try {
      const before = server.requestCount();
      await client.prediction.predictLTV(request("c-control", "r-1"));
      await client.prediction.predictLTV(request("c-control", "r-2"), {
        contextValues: createContextValues().set(cacheControl, "bypass"),
      });
      expect(server.requestCount()).toBe(before + 2);
      await client.prediction.predictLTV(request("c-control", "r-3"), {
        contextValues: createContextValues().set(cacheControl, "refresh"),
      });
      expect(server.requestCount()).toBe(before + 3);
      await client.prediction.predictLTV(request("c-control", "r-4"));
      expect(server.requestCount()).toBe(before + 3);
      await off.prediction.predictLTV(request("c-control", "r-5"));
      await off.prediction.predictLTV(request("c-control", "r-6"));
      expect(server.requestCount()).toBe(before + 5);
    } finally {
      await client.close();
      await off.close();
    }
  });

  it("never caches a FALLBACK answer", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 2_000, retry: false });
    try {
      slowUntil = Date.now() + 60_000;
      const before = server.requestCount();
      const fallback = await client.prediction.predictLTV(request("slow-1", "r-1"), { timeoutMs: 40 });
      expect(fallback.status).toBe(PredictionStatus.FALLBACK);
      expect(fallback.requestId).toBe("r-1");
      expect(client.metrics().fallbacksByReason.deadline).toBe(1);
      slowUntil = 0;
      const real = await client.prediction.predictLTV(request("slow-1", "r-2"));
      expect(real.status).toBe(PredictionStatus.SUCCESS);
      expect(server.requestCount()).toBe(before + 2);
      // The real answer is cached.
      await client.prediction.predictLTV(request("slow-1", "r-3"));
      expect(server.requestCount()).toBe(before + 2);
    } finally {
      slowUntil = 0;
      await client.close();
    }
  });

  it("serves a stale entry while one background call refreshes it", async () => {
    let now = 1_000_000;
    const client = createClient({
      prediction: server.url,
      timeoutMs: 2_000,
      cache: { ttlMs: 1_000, staleWhileRevalidateMs: 1_000, staleIfErrorMs: 0, now: () => now },
    });
    try {
      const before = server.requestCount();
      await client.prediction.predictLTV(request("c-swr", "r-1"));
      now += 1_500; // stale, within stale-while-revalidate
      const stale = await Promise.all([1, 2, 3].map((i) => client.prediction.predictLTV(request("c-swr", `r-s${i}`))));
      expect(stale.map((s) => s.requestId)).toEqual(["r-s1", "r-s2", "r-s3"]);
      expect(client.metrics().cache.stale).toBe(3);
      // One background refresh for the three stale reads.
      for (let i = 0; i < 100 && server.requestCount() < before + 2; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 20));
      expect(server.requestCount()).toBe(before + 2);
      // Refreshed: fresh again without another request.
      await client.prediction.predictLTV(request("c-swr", "r-after"));
      expect(server.requestCount()).toBe(before + 2);
      expect(client.metrics().cache.hits).toBe(1);
      now += 10_000; // beyond every window: a plain miss
      await client.prediction.predictLTV(request("c-swr", "r-late"));
      expect(server.requestCount()).toBe(before + 3);
    } finally {
      await client.close();
    }
  });

  it("hands the response headers and trailers to onHeader / onTrailer on a miss and on a hit, over gRPC and TCP", async () => {
    const tcpServer = await createServer({ tcp: { host: "127.0.0.1", port: 0 } });
    try {
      for (const prediction of [server.url, tcpServer.tcpUrl!]) {
        const client = createClient({ prediction, timeoutMs: 2_000 });
        try {
          const seen: [string, Headers, Headers][] = [];
          for (const requestId of ["r-miss", "r-hit"]) {
            let header: Headers | undefined;
            let trailer: Headers | undefined;
            await client.prediction.predictLTV(request(`c-headers-${prediction}`, requestId), {
              onHeader: (h) => (header = h),
              onTrailer: (t) => (trailer = t),
            });
            expect(header, `${prediction} ${requestId}`).toBeInstanceOf(Headers);
            expect(trailer, `${prediction} ${requestId}`).toBeInstanceOf(Headers);
            seen.push([requestId, header!, trailer!]);
          }
          expect(client.metrics().cache.hits).toBe(1);
          // The hit carries the headers the miss was answered with.
          expect(pairs(seen[1]![1])).toStrictEqual(pairs(seen[0]![1]));
          expect(pairs(seen[1]![2])).toStrictEqual(pairs(seen[0]![2]));
        } finally {
          await client.close();
        }
      }
      // gRPC answers carry a content type and a grpc-status trailer.
      const grpc = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false });
      try {
        let header: Headers | undefined;
        let trailer: Headers | undefined;
        await grpc.prediction.predictLTV(request("c-headers-grpc", "r"), { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
        expect(header?.get("content-type")).toMatch(/^application\/grpc/);
        expect(trailer?.get("grpc-status")).toBe("0");
      } finally {
        await grpc.close();
      }
    } finally {
      await tcpServer.close();
    }
  });

  it("rejects bad cache options before anything is sent", () => {
    expect(() => createClient({ prediction: server.url, cache: { ttlMs: -1 } })).toThrow(/cache\.ttlMs/);
    expect(() => createClient({ prediction: server.url, cache: { maxEntries: 0 } })).toThrow(/cache\.maxEntries/);
    // @ts-expect-error a wrong type on purpose
    expect(() => createClient({ prediction: server.url, cache: "yes" })).toThrow(/cache: must be/);
  });

  it("evicts the least recently used entry past maxEntries or maxBytes, and stores no answer larger than maxBytes", async () => {
    const byCount = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, hedging: false, cache: { maxEntries: 2 } });
    try {
      const before = server.requestCount();
      await byCount.prediction.predictLTV(request("lru-a", "r-a1"));
      await byCount.prediction.predictLTV(request("lru-b", "r-b1"));
      // Read a again: b is now the least recently used, and goes when c comes.
      await byCount.prediction.predictLTV(request("lru-a", "r-a2"));
      await byCount.prediction.predictLTV(request("lru-c", "r-c1"));
      expect(server.requestCount()).toBe(before + 3);
      expect(byCount.metrics().cache.entries).toBe(2);
      await byCount.prediction.predictLTV(request("lru-a", "r-a3"));
      expect(server.requestCount()).toBe(before + 3);
      await byCount.prediction.predictLTV(request("lru-b", "r-b2"));
      expect(server.requestCount()).toBe(before + 4);
      expect(byCount.metrics().cache.entries).toBe(2);
    } finally {
      byCount.close();
    }
    // The size of one answer, as the cache counts it.
    const probe = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, hedging: false });
    let one: number;
    try {
      await probe.prediction.predictLTV(request("lru-size", "r-s"));
      one = probe.metrics().cache.bytes;
      expect(one).toBeGreaterThan(64);
    } finally {
      probe.close();
    }
    // Room for one answer (of about that size) and not two: the older one goes.
    const byBytes = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, hedging: false, cache: { maxBytes: Math.floor(one * 1.5) } });
    try {
      await byBytes.prediction.predictLTV(request("lru-d", "r-d1"));
      await byBytes.prediction.predictLTV(request("lru-e", "r-e1"));
      expect(byBytes.metrics().cache.entries).toBe(1);
      expect(byBytes.metrics().cache.bytes).toBeLessThanOrEqual(Math.floor(one * 1.5));
      const before = server.requestCount();
      await byBytes.prediction.predictLTV(request("lru-e", "r-e2"));
      expect(server.requestCount()).toBe(before);
      await byBytes.prediction.predictLTV(request("lru-d", "r-d2"));
      expect(server.requestCount()).toBe(before + 1);
    } finally {
      byBytes.close();
    }
    // No room for even one: nothing is kept, every call reaches the service.
    const tiny = createClient({ prediction: server.url, timeoutMs: 5_000, retry: false, hedging: false, cache: { maxBytes: 64 } });
    try {
      const before = server.requestCount();
      await tiny.prediction.predictLTV(request("lru-f", "r-f1"));
      await tiny.prediction.predictLTV(request("lru-f", "r-f2"));
      expect(server.requestCount()).toBe(before + 2);
      expect(tiny.metrics().cache).toMatchObject({ entries: 0, bytes: 0 });
    } finally {
      tiny.close();
    }
  });
});
