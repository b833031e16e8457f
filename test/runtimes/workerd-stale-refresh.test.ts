// Replays, in workerd (Miniflare), a user's report: a module-scope prediction
// client, four identical calls spaced so that the second is served stale and
// refreshes in the background, and the fourth comes after the stale window.
// workerd cancels the refresh's fetch once the second request has answered
// (nothing keeps that request alive), so its promise never settles. Before the
// fix the fourth call joined that promise and never answered, nor did any
// later call for the key. Timings are the report's, scaled to a few seconds.
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { startWorkerdGuest } from "./support/workerd-guest.js";

const TIMEOUT_MS = 2_000;
const TTL_MS = 1_000;
const STALE_MS = 1_500;
// The server is slow enough that a refresh is still running when the Worker has answered.
const SERVER_DELAY_MS = 200;
// Slower still for customers named slow-*: longer than the first call's deadline in the coalescing test.
const SLOW_SERVER_DELAY_MS = 1_500;
// When each call starts, from the first (the report's 0, 1.2, 1.6 and 3.4 s, scaled).
const SCHEDULE_MS = [0, 1_600, 2_300, 3_100];

interface CallResult {
  ok: boolean;
  status?: number;
  code?: string;
  message?: string;
  cache: { hits: number; misses: number; stale: number; coalesced: number };
  elapsedMs: number;
}

let server: ReferenceServer;
let mf: Miniflare;
let logged: () => string;
let predictions = 0;

beforeAll(async () => {
  server = await createServer({
    model: async (req) => {
      predictions++;
      await new Promise((r) => setTimeout(r, req.customerId.startsWith("slow-") ? SLOW_SERVER_DELAY_MS : SERVER_DELAY_MS));
      return predictBaselineLtv(req);
    },
  });
  ({ mf, logged } = await startWorkerdGuest("stale-refresh-worker.ts"));
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await server?.close();
});

/** One call through the Worker, bounded: a call that has not answered well past its deadline is reported as hung. */
async function call(
  client: string,
  waitUntil: boolean,
  extra: { customer?: string; callTimeoutMs?: number } = {},
): Promise<CallResult> {
  const query = new URLSearchParams({
    http: server.url,
    client,
    timeoutMs: String(TIMEOUT_MS),
    ttlMs: String(TTL_MS),
    staleMs: String(STALE_MS),
    waitUntil: waitUntil ? "1" : "0",
    ...(extra.customer !== undefined ? { customer: extra.customer } : {}),
    ...(extra.callTimeoutMs !== undefined ? { callTimeoutMs: String(extra.callTimeoutMs) } : {}),
  });
  const started = performance.now();
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), (extra.callTimeoutMs ?? TIMEOUT_MS) + 4_000);
  try {
    const response = await mf.dispatchFetch(`http://worker.local/?${query}`, { signal: bound.signal });
    const body = (await response.json()) as Omit<CallResult, "elapsedMs">;
    return { ...body, elapsedMs: performance.now() - started };
  } catch (e) {
    if (bound.signal.aborted) return { ok: false, code: "hung", cache: { hits: 0, misses: 0, stale: 0, coalesced: 0 }, elapsedMs: performance.now() - started };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Makes the four calls of the report on one module-scope client, at their times. */
async function replay(client: string, waitUntil: boolean): Promise<CallResult[]> {
  const results: CallResult[] = [await call(client, waitUntil)];
  // The cache entry's age counts from when the first answer was stored, so the
  // later calls are timed from its arrival (scheduled for an answer after
  // SERVER_DELAY_MS): a loaded machine's slow first call shifts them all alike.
  const start = performance.now() - SERVER_DELAY_MS;
  for (const at of SCHEDULE_MS.slice(1)) {
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    results.push(await call(client, waitUntil));
  }
  return results;
}

describe("workerd: a background refresh the runtime cancels", () => {
  it("without waitUntil: the fourth call answers within its deadline, from a fresh request", async () => {
    const before = predictions;
    const [first, second, third, fourth] = await replay("plain", false);
    expect(first).toMatchObject({ ok: true, status: 0, cache: { misses: 1 } });
    // Served stale at once; the refresh is started, then cancelled by workerd.
    expect(second).toMatchObject({ ok: true, cache: { stale: 1 } });
    expect(third).toMatchObject({ ok: true, cache: { stale: 2 } });
    // Past the stale window: a miss. It must not wait on the cancelled refresh.
    expect(fourth.code).not.toBe("hung");
    expect(fourth).toMatchObject({ ok: true, status: 0, cache: { misses: 2 } });
    expect(fourth.elapsedMs).toBeLessThan(TIMEOUT_MS);
    // The first call, the cancelled refresh, and the fourth call's own request.
    expect(predictions - before).toBe(3);
  });

  it("with the request's waitUntil: the refresh completes, and the next calls are served from it", async () => {
    const before = predictions;
    const [first, second, third, fourth] = await replay("wait-until", true);
    expect(first).toMatchObject({ ok: true, status: 0, cache: { misses: 1 } });
    expect(second).toMatchObject({ ok: true, cache: { stale: 1 } });
    // The refresh outlived the second request and stored its answer: a fresh hit.
    expect(third).toMatchObject({ ok: true, status: 0, cache: { hits: 1, stale: 1, misses: 1 } });
    expect(fourth.code).not.toBe("hung");
    expect(fourth).toMatchObject({ ok: true, status: 0, cache: { misses: 1 } });
    expect(fourth.elapsedMs).toBeLessThan(TIMEOUT_MS);
    expect(predictions - before).toBeGreaterThanOrEqual(2);
  });
});

describe("workerd: a coalesced request that ends before its joiner's deadline", () => {
  it("the joiner tries again with the time it has left", async () => {
    const customer = "slow-joined";
    const before = predictions;
    // The first call's deadline (1 s) passes while the server works on it (1.5 s).
    const first = call("coalesce", false, { customer, callTimeoutMs: 1_000 });
    await new Promise((r) => setTimeout(r, 100));
    // A second call joins it with a later deadline than the request's own.
    const joiner = call("coalesce", false, { customer, callTimeoutMs: 4_000 });
    expect((await first).code).toBe("DeadlineExceeded");
    const joined = await joiner;
    expect(joined).toMatchObject({ ok: true, status: 0, cache: { coalesced: 1 } });
    expect(joined.elapsedMs).toBeLessThan(4_000);
    // The first request and the joiner's own.
    expect(predictions - before).toBe(2);
    expect(logged()).not.toMatch(/unhandled|uncaught/i);
  });
});
