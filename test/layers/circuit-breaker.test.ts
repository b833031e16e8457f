import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LTVPredictionRequestSchema, PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { allowFallback } from "../../src/resilience/allow-fallback.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

const request = (customerId: string, requestId: string) =>
  create(LTVPredictionRequestSchema, {
    requestId,
    customerId,
    platform: "amazon",
    eventHistory: [{ timestampMs: 1_700_000_000_000n, eventType: "purchase", eventValue: 64 }],
  });

describe("circuit breaker and fallback", () => {
  let server: ReferenceServer;
  let failing = false;
  let slowMs = 0;
  beforeAll(async () => {
    server = await createServer({
      model: async (req) => {
        if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
        if (failing) throw new Error("model is down");
        return predictBaselineLtv(req);
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("opens after consecutive failures, answers with the fallback, probes and recovers", async () => {
    let clock = 1_000_000;
    const events: string[] = [];
    const client = createClient({
      prediction: server.url,
      timeoutMs: 2_000,
      cache: false,
      circuitBreaker: { consecutiveFailures: 3, openMs: 5_000, now: () => clock },
      onEvent: (e) => events.push(e.type === "fallback" ? `fallback:${e.reason}` : e.type),
    });
    try {
      failing = true;
      const before = server.requestCount();
      for (let i = 0; i < 3; i++) {
        // Internal is not a fallback code: the caller sees the service's error.
        await expect(client.prediction.predictLTV(request(`c-${i}`, `r-${i}`))).rejects.toMatchObject({ code: Code.Internal });
      }
      expect(events).toEqual(["break"]);
      expect(client.metrics().breaker.prediction).toBe("open");
      // Open: answered locally, nothing sent.
      const local = await client.prediction.predictLTV(request("c-9", "r-9"));
      expect(local).toMatchObject({ requestId: "r-9", status: PredictionStatus.FALLBACK, modelVersion: "baseline-rfm-1" });
      expect(local.predictedLtv).toBeCloseTo(predictBaselineLtv(request("c-9", "r-9")).predictedLtv, 9);
      await expect(
        client.prediction.predictLTV(request("c-9", "r-10"), { contextValues: createContextValues().set(allowFallback, false) }),
      ).rejects.toMatchObject({ code: Code.Unavailable });
      expect(server.requestCount()).toBe(before + 3);

      // After openMs one probe goes through; it fails: open again.
      clock += 5_000;
      await expect(client.prediction.predictLTV(request("c-p", "r-p"))).rejects.toMatchObject({ code: Code.Internal });
      expect(server.requestCount()).toBe(before + 4);
      expect(events).toEqual(["break", "fallback:circuit-open", "half-open", "break"]);

      // The service recovers: the next probe closes the breaker.
      failing = false;
      clock += 5_000;
      const ok = await client.prediction.predictLTV(request("c-q", "r-q"));
      expect(ok.status).toBe(PredictionStatus.SUCCESS);
      expect(events.slice(-2)).toEqual(["half-open", "close"]);
      expect(client.metrics().breaker.prediction).toBe("closed");
      expect(client.metrics().fallbacksByReason["circuit-open"]).toBe(1);
    } finally {
      failing = false;
      await client.close();
    }
  });

  it("opens on the failure rate over the window", async () => {
    let clock = 0;
    const client = createClient({
      prediction: server.url,
      timeoutMs: 2_000,
      cache: false,
      fallback: false,
      circuitBreaker: { consecutiveFailures: 100, failureRate: 0.5, minimumCalls: 6, windowMs: 10_000, now: () => clock },
    });
    try {
      for (let i = 0; i < 6; i++) {
        failing = i % 2 === 1;
        clock += 100;
        await client.prediction.predictLTV(request(`rate-${i}`, `r-${i}`)).catch(() => undefined);
      }
      expect(client.metrics().breaker.prediction).toBe("open");
      await expect(client.prediction.predictLTV(request("rate-x", "r-x"))).rejects.toMatchObject({ code: Code.Unavailable });
    } finally {
      failing = false;
      await client.close();
    }
  });

  it("carries an open breaker across a restart through its serialised state", async () => {
    let clock = 50_000;
    const first = createClient({ prediction: server.url, timeoutMs: 2_000, cache: false, circuitBreaker: { consecutiveFailures: 2, now: () => clock } });
    failing = true;
    let saved: string;
    try {
      await first.prediction.predictLTV(request("s-1", "r-1")).catch(() => undefined);
      await first.prediction.predictLTV(request("s-2", "r-2")).catch(() => undefined);
      saved = JSON.stringify(first.circuitBreakerState());
    } finally {
      failing = false;
      await first.close();
    }
    expect(JSON.parse(saved).prediction.state).toBe("open");
    // A "cold start": a new client from the saved state sends nothing while it is open.
    const second = createClient({
      prediction: server.url,
      timeoutMs: 2_000,
      cache: false,
      circuitBreaker: { initialState: JSON.parse(saved), now: () => clock },
    });
    try {
      const before = server.requestCount();
      const answer = await second.prediction.predictLTV(request("s-3", "r-3"));
      expect(answer.status).toBe(PredictionStatus.FALLBACK);
      expect(server.requestCount()).toBe(before);
      clock += 5_000;
      expect((await second.prediction.predictLTV(request("s-4", "r-4"))).status).toBe(PredictionStatus.SUCCESS);
      expect(server.requestCount()).toBe(before + 1);
    } finally {
      await second.close();
    }
    expect(() =>
      createClient({ prediction: server.url, circuitBreaker: { initialState: { prediction: { state: "ajar" } as never } } }),
    ).toThrow(/circuitBreaker\.initialState\.prediction\.state/);
  });

  it("answers with the fallback before the deadline when the service is slow", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 60, cache: false, retry: false });
    try {
      slowMs = 1_000;
      const answer = await client.prediction.predictLTV(request("slow", "r-slow"));
      expect(answer).toMatchObject({ requestId: "r-slow", status: PredictionStatus.FALLBACK });
      expect(answer.errorMessage).toMatch(/deadline/);
      expect(client.metrics().fallbacksByReason.deadline).toBe(1);
      // Without the fallback the caller gets the deadline error instead.
      const strict = client.prediction.predictLTV(request("slow", "r-strict"), {
        contextValues: createContextValues().set(allowFallback, false),
      });
      await expect(strict).rejects.toSatisfy((e) => ConnectError.from(e).code === Code.DeadlineExceeded);
    } finally {
      slowMs = 0;
      await client.close();
    }
  });

  it("answers at the reserve whatever the fallback codes, and sends nothing when the deadline is inside the reserve", async () => {
    const client = createClient({ prediction: server.url, timeoutMs: 400, cache: false, retry: false, fallback: { reserveMs: 300, codes: [] } });
    try {
      slowMs = 2_000;
      const started = performance.now();
      const answer = await client.prediction.predictLTV(request("slow", "r-reserve"));
      const elapsed = performance.now() - started;
      expect(answer).toMatchObject({ requestId: "r-reserve", status: PredictionStatus.FALLBACK });
      expect(answer.errorMessage).toMatch(/deadline/);
      // The reserve passed (100 ms), the call's own deadline (400 ms) did not.
      expect(elapsed).toBeGreaterThanOrEqual(99);
      expect(elapsed).toBeLessThan(400);
      const before = server.requestCount();
      const local = await client.prediction.predictLTV(request("slow", "r-inside"), { timeoutMs: 250 });
      expect(local).toMatchObject({ requestId: "r-inside", status: PredictionStatus.FALLBACK });
      expect(server.requestCount()).toBe(before);
      expect(client.metrics().fallbacksByReason.deadline).toBe(2);
    } finally {
      slowMs = 0;
      await client.close();
    }
  });
});
