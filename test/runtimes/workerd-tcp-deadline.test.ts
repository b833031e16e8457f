// In a Worker, a timer belongs to the request that armed it: once that request has ended it
// may never fire. A raw TCP call's deadline must therefore not ride on a timer another request
// armed (the shared deadline timers of the socket runtimes). Here request A leaves a call with a
// short deadline behind and ends; request B then calls a server that answers too late, with a
// longer deadline: B must get DeadlineExceeded at its own deadline, not hang.
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { createTcpServer, type TcpServer } from "../../src/server/tcp-server.js";
import { startWorkerdGuest } from "./support/workerd-guest.js";

// Customers named slow-* are answered this late: after every deadline below.
const SLOW_MS = 4_000;

let server: ReferenceServer;
let tcp: TcpServer;
let mf: Miniflare;

beforeAll(async () => {
  server = await createServer({
    model: async (req) => {
      if (req.customerId.startsWith("slow-")) await new Promise((r) => setTimeout(r, SLOW_MS));
      return predictBaselineLtv(req);
    },
  });
  tcp = await createTcpServer({ prediction: server.prediction, storage: server.storage, health: server.health });
  ({ mf } = await startWorkerdGuest("tcp-deadline-worker.ts"));
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await tcp?.close();
  await server?.close();
});

interface CallResult {
  ok: boolean;
  code?: string;
  message?: string;
  elapsedMs?: number;
}

/** One request to the Worker, bounded: one that has not answered by `boundMs` is reported as hung. */
async function call(params: Record<string, string>, boundMs: number): Promise<CallResult> {
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), boundMs);
  try {
    const response = await mf.dispatchFetch(`http://worker.local/?${new URLSearchParams({ tcp: tcp.url, ...params })}`, { signal: bound.signal });
    return (await response.json()) as CallResult;
  } catch (e) {
    if (bound.signal.aborted) return { ok: false, code: "hung" };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

describe("workerd: a raw TCP call's deadline across requests", () => {
  it("fires in the request that is waiting, after an earlier request armed a deadline and ended", async () => {
    expect(await call({ customer: "warm", timeoutMs: "5000" }, 10_000)).toMatchObject({ ok: true });
    // Request A: a call with a 300 ms deadline, left behind when A answers at once.
    expect(await call({ customer: "slow-a", timeoutMs: "300", leave: "1" }, 10_000)).toMatchObject({ ok: true });
    // Request B: its own 1000 ms deadline, later than A's; the server answers only after 4 s.
    const b = await call({ customer: "slow-b", timeoutMs: "1000" }, SLOW_MS - 500);
    expect(b.code).toBe("DeadlineExceeded");
    expect(b.elapsedMs).toBeGreaterThanOrEqual(900);
  });

  it("and later calls' deadlines still fire: no lost timer holds back the ones armed after it", async () => {
    const r = await call({ customer: "slow-c", timeoutMs: "500" }, SLOW_MS - 500);
    expect(r.code).toBe("DeadlineExceeded");
  });
});
