import { create } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema, PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { allowFallback } from "../../src/resilience/allow-fallback.js";
import { bundleForNode } from "../support/bundle-for-node.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const request = (customerId: string, requestId: string) =>
  create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "linkedin",
    eventHistory: [
      { timestampMs: 1_690_000_000_000n, eventType: "purchase", eventValue: 120 },
      { timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 80 },
    ],
  });

describe("a server that stops answering", () => {
  let server: ServerProcess;
  let url: string;
  beforeAll(async () => {
    const main = await bundleForNode("test/support/reference-server-main.ts", ".build/test/reference-server-main.mjs");
    server = await spawnServer({ command: [process.execPath, main], ready: /listening http=(?<url>http:\/\/127\.0\.0\.1:\d+)/ });
    url = server.ready.url!;
  });
  afterAll(async () => {
    server?.signal("SIGCONT");
    await server?.kill();
  });

  it("serves stale-while-revalidate, then stale-if-error, and answers unknown customers with the fallback", async () => {
    let clock = 10_000;
    const events: string[] = [];
    const client = createClient({
      prediction: url,
      timeoutMs: 150,
      retry: false,
      cache: { ttlMs: 1_000, staleWhileRevalidateMs: 1_000, staleIfErrorMs: 10_000, now: () => clock },
      onEvent: (e) => events.push(`${e.type}${e.type === "fallback" ? `:${e.reason}` : ""}`),
    });
    try {
      // A generous deadline while the server is up: a fresh server on a busy machine may be slow.
      // No fallback here: if this first call fails, the test must say why.
      const real = await client.prediction.predictLTV(request("c-1", "r-1"), {
        timeoutMs: 5_000,
        contextValues: createContextValues().set(allowFallback, false),
      });
      expect(real.status).toBe(PredictionStatus.SUCCESS);
      const health = await client.prediction.getModelHealth({ includeMetrics: true }, { timeoutMs: 5_000 });
      expect(Number(health.predictionsToday)).toBe(1);

      server.signal("SIGSTOP");
      try {
        // Stale, within stale-while-revalidate: answered from the cache although the
        // server cannot answer; the background refresh fails quietly.
        clock += 1_500;
        const stale = await client.prediction.predictLTV(request("c-1", "r-2"));
        expect(stale).toMatchObject({ requestId: "r-2", status: PredictionStatus.SUCCESS, predictedLtv: real.predictedLtv });
        expect(client.metrics().cache.stale).toBe(1);

        // Past stale-while-revalidate, within stale-if-error: the call goes out, times
        // out, and the stale answer stands in (not the fallback).
        clock += 2_000;
        const spare = await client.prediction.predictLTV(request("c-1", "r-3"));
        expect(spare).toMatchObject({ requestId: "r-3", status: PredictionStatus.SUCCESS, predictedLtv: real.predictedLtv });
        expect(client.metrics().cache.staleIfError).toBe(1);

        // Nothing cached for this customer: the fallback answers before the deadline.
        const fallbacksBefore = client.metrics().fallbacks;
        const fallback = await client.prediction.predictLTV(request("c-2", "r-4"));
        expect(fallback).toMatchObject({ requestId: "r-4", status: PredictionStatus.FALLBACK });
        expect(fallback.predictedLtv).toBeGreaterThan(0);
        expect(events).toContain("fallback:deadline");

        // Past stale-if-error too: only the fallback is left.
        clock += 20_000;
        const late = await client.prediction.predictLTV(request("c-1", "r-5"));
        expect(late.status).toBe(PredictionStatus.FALLBACK);
        expect(client.metrics().fallbacks).toBe(fallbacksBefore + 2);
      } finally {
        server.signal("SIGCONT");
      }
      // The server is back: a real answer, which is cached again.
      const back = await client.prediction.predictLTV(request("c-1", "r-6"), { timeoutMs: 2_000 });
      expect(back.status).toBe(PredictionStatus.SUCCESS);
      expect(client.metrics().fallbacksByReason["circuit-open"]).toBe(0);
    } finally {
      await client.close();
    }
  });
});
