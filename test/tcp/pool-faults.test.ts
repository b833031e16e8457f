import { Code, createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { createTcpTransport, type TcpTransport, type TcpTransportOptions } from "../../src/tcp/index.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import type { ServerProcess } from "../support/server-process.js";
import { startTcpFaultProxy, type TcpFaultProxy } from "../support/tcp-fault-proxy.js";
import { errorOf, learnedCount, sleep, startRustStyle, until } from "./tcp-test-support.js";

// Every fault test checks that each request got its own answer (distinct ids)
// or a clear error, that nothing was lost, and that writes were never repeated.

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

async function rustStyle(...flags: string[]): Promise<ServerProcess> {
  const s = await startRustStyle(...flags);
  cleanup.push(() => s.kill());
  return s;
}

function transportTo(port: number, options: Partial<TcpTransportOptions> = {}): TcpTransport {
  const t = createTcpTransport({ url: `tcp://127.0.0.1:${port}`, connect: connectNodeSocket, ...options });
  cleanup.push(() => t.close());
  return t;
}

async function proxyTo(port: number): Promise<TcpFaultProxy> {
  const p = await startTcpFaultProxy(port);
  cleanup.push(() => p.close());
  return p;
}

describe("TCP pool faults", () => {
  it("a server that stalls past the deadline: DeadlineExceeded, the stale answer is dropped, the calls behind it get their own", async () => {
    const server = await rustStyle("--stall-ms", "800");
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 1, pipelining: 4 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    // Three requests pipelined on the single connection; the first one stalls past its deadline.
    const stalled = errorOf(storage.queryConcept({ conceptId: "stall-1" }, { timeoutMs: 150 }));
    const second = storage.queryConcept({ conceptId: "b" }, { timeoutMs: 5000 });
    const third = storage.queryConcept({ conceptId: "c" }, { timeoutMs: 5000 });
    expect((await stalled)?.code).toBe(Code.DeadlineExceeded);
    // stall-1's answer comes within the grace (pool.lateAnswerGraceMs, 2 s): read, dropped, the stream kept in step.
    expect((await second).conceptId).toBe("b");
    expect((await third).conceptId).toBe("c");
    expect(t.stats()).toMatchObject({ lost: 0, lateAnswers: 1 });
    const next = await storage.queryConcept({ conceptId: "after" }, { timeoutMs: 5000 });
    expect(next.conceptId).toBe("after");
    expect(t.stats().connects).toBe(1);
  });

  it("a server that closes after N requests: every call gets its own answer or a clear Unavailable, writes never repeat", async () => {
    const server = await rustStyle("--close-after", "3");
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 2 } });
    const storage = createClient(StorageService, t);
    const outcomes: Array<{ id: string; seq?: bigint; code?: Code }> = [];
    for (let i = 0; i < 24; i++) {
      const id = `w-${i}`;
      try {
        const r = await storage.learnConcept({ conceptId: id, content: id }, { timeoutMs: 3000 });
        outcomes.push({ id, seq: r.sequence });
      } catch (e) {
        const err = (await errorOf(Promise.reject(e)))!;
        expect(err.rawMessage).toMatch(/may have been processed|closed before the request was written/);
        outcomes.push({ id, code: err.code });
      }
    }
    const ok = outcomes.filter((o) => o.seq !== undefined);
    expect(outcomes.filter((o) => o.code !== undefined).every((o) => o.code === Code.Unavailable)).toBe(true);
    expect(ok.length).toBeGreaterThanOrEqual(12);
    // Sequences are distinct: no answer was handed to two calls.
    expect(new Set(ok.map((o) => o.seq)).size).toBe(ok.length);
    const out = server.output();
    for (const o of outcomes) {
      const n = learnedCount(out, o.id);
      if (o.seq !== undefined) expect(n, o.id).toBe(1);
      else expect(n, o.id).toBeLessThanOrEqual(1); // never repeated
    }
    // A connection answers 3 requests at most; the 4th written to it fails (the server's FIN races it).
    expect(t.stats().connects).toBeGreaterThanOrEqual(Math.ceil(ok.length / 3));
  });

  it("a server killed mid-request and restarted: the in-flight write fails once, the dead endpoint fails fast, calls resume", async () => {
    let server = await startRustStyle("--stall-ms", "3000");
    const port = Number(server.ready.port);
    const t = transportTo(port, { pool: { min: 1, max: 2, backoffBaseMs: 200, backoffMaxMs: 400 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const inFlight = errorOf(storage.learnConcept({ conceptId: "stall-w", content: "x" }, { timeoutMs: 10_000 }));
    await until(() => t.stats().inFlight === 1, 2000);
    await server.kill();
    const err = await inFlight;
    expect(err?.code).toBe(Code.Unavailable);
    expect(err?.rawMessage).toMatch(/may have been processed/);

    // Down: a call fails fast with Unavailable instead of queueing.
    const down = await errorOf(storage.queryConcept({ conceptId: "x" }, { timeoutMs: 10_000 }));
    expect(down?.code).toBe(Code.Unavailable);
    await until(() => t.stats().down, 2000);
    const fast = await errorOf(storage.queryConcept({ conceptId: "y" }, { timeoutMs: 10_000 }));
    if (fast) expect(fast.rawMessage).toMatch(/unavailable .*next connect attempt|cannot connect/);

    server = await startRustStyle("--port", String(port));
    cleanup.push(() => server.kill());
    let answered: string | undefined;
    for (let i = 0; i < 100 && answered === undefined; i++) {
      try {
        answered = (await storage.queryConcept({ conceptId: `resume-${i}` }, { timeoutMs: 2000 })).conceptId;
        expect(answered).toBe(`resume-${i}`);
      } catch {
        await sleep(50);
      }
    }
    expect(answered).toMatch(/^resume-/);
    expect(learnedCount(server.output(), "stall-w")).toBe(0); // the write was not repeated on the new server
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it("garbage, oversize frames and a peer reset each fail their own call and poison only that connection", async () => {
    const server = await rustStyle("--garbage", "--oversize");
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 1 }, maxFrameBytes: 1024 * 1024 });
    const storage = createClient(StorageService, t);
    const garbage = await errorOf(storage.queryConcept({ conceptId: "garbage" }));
    expect(garbage?.code).toBe(Code.Internal);
    expect(garbage?.rawMessage).toMatch(/^protocol error: undecodable MessagePack/);
    expect((await storage.queryConcept({ conceptId: "ok-1" })).conceptId).toBe("ok-1");

    const oversize = await errorOf(storage.queryConcept({ conceptId: "oversize" }));
    expect(oversize?.code).toBe(Code.Internal);
    expect(oversize?.rawMessage).toMatch(/2147483647-byte frame, above the 1048576-byte cap/);
    expect((await storage.queryConcept({ conceptId: "ok-2" })).conceptId).toBe("ok-2");

    const reset = await errorOf(storage.queryConcept({ conceptId: "reset" }));
    expect(reset?.code).toBe(Code.Unavailable);
    expect((await storage.queryConcept({ conceptId: "ok-3" })).conceptId).toBe("ok-3");
    expect(t.stats()).toMatchObject({ lost: 3, connects: 4 });
  });

  it("pool exhaustion: requests queue up to maxQueue, the next one is ResourceExhausted, queued ones get their own answers", async () => {
    const server = await rustStyle("--stall-ms", "300");
    const t = transportTo(Number(server.ready.port), { pool: { min: 0, max: 2, maxQueue: 3, pipelining: 1 } });
    const storage = createClient(StorageService, t);
    const calls = Array.from({ length: 5 }, (_, i) => storage.queryConcept({ conceptId: `stall-${i}` }, { timeoutMs: 5000 }));
    const overflow = await errorOf(storage.queryConcept({ conceptId: "stall-overflow" }, { timeoutMs: 5000 }));
    expect(overflow?.code).toBe(Code.ResourceExhausted);
    expect(overflow?.rawMessage).toMatch(/request queue is full \(3 waiting for 2 connections\)/);
    expect(await until(() => t.stats().busy === 2, 2000)).toBe(true);
    expect(t.stats()).toMatchObject({ queued: 3, open: 2, connecting: 0 });
    const ids = (await Promise.all(calls)).map((r) => r.conceptId);
    expect(ids).toEqual(["stall-0", "stall-1", "stall-2", "stall-3", "stall-4"]);
    expect(t.stats()).toMatchObject({ queued: 0, lost: 0, connects: 2 });
  });

  it("a call that times out while queued was never written: DeadlineExceeded, and the busy connection is kept", async () => {
    const server = await rustStyle("--stall-ms", "400");
    // Pipelining off: the second call waits in the pool's queue, not on the connection.
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 1, pipelining: 1 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const busy = storage.queryConcept({ conceptId: "stall-busy" }, { timeoutMs: 5000 });
    const queued = await errorOf(storage.queryConcept({ conceptId: "queued" }, { timeoutMs: 100 }));
    expect(queued?.code).toBe(Code.DeadlineExceeded);
    expect((await busy).conceptId).toBe("stall-busy");
    expect((await storage.queryConcept({ conceptId: "next" })).conceptId).toBe("next");
    expect(t.stats()).toMatchObject({ lost: 0, connects: 1 });
  });

  it("idle connections beyond min close after idleTimeoutMs; min connections are kept and replaced when lost", async () => {
    const server = await rustStyle("--stall-ms", "200");
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 4, idleTimeoutMs: 150, pipelining: 1 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => storage.queryConcept({ conceptId: `stall-${i}` })));
    expect(ids.map((r) => r.conceptId)).toEqual(["stall-0", "stall-1", "stall-2", "stall-3"]);
    expect(t.stats().open).toBe(4);
    expect(await until(() => t.stats().open === 1, 3000)).toBe(true);
    expect(t.stats().idleClosed).toBe(3);
    // The kept connection is lost (the server resets it): the pool opens a replacement by itself.
    await errorOf(storage.queryConcept({ conceptId: "reset" }));
    expect(await until(() => t.stats().open === 1 && t.stats().lost === 1, 3000)).toBe(true);
    expect(t.stats().connects).toBe(5);
  });

  it("pipelining: up to `pipelining` requests share a connection and answers match first-in first-out", async () => {
    const server = await rustStyle();
    const t = transportTo(Number(server.ready.port), { pool: { min: 1, max: 2, pipelining: 8 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    let maxInFlight = 0;
    const calls = Array.from({ length: 200 }, (_, i) => {
      const p = storage.queryConcept({ conceptId: `p-${i}` });
      maxInFlight = Math.max(maxInFlight, t.stats().inFlight);
      return p;
    });
    const ids = (await Promise.all(calls)).map((r) => r.conceptId);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => `p-${i}`));
    expect(maxInFlight).toBeGreaterThan(2); // more in flight than connections: pipelined
    expect(maxInFlight).toBeLessThanOrEqual(16);
    expect(t.stats().lost).toBe(0);
  });

  it("an idle connection silently dropped (black hole) is verified before reuse; the call goes to a fresh connection", async () => {
    const server = await rustStyle();
    const proxy = await proxyTo(Number(server.ready.port));
    const t = transportTo(proxy.port, { pool: { min: 1, max: 2, idleVerifyMs: 100, verifyTimeoutMs: 300 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    expect((await storage.queryConcept({ conceptId: "before" })).conceptId).toBe("before");
    proxy.blackHoleExisting();
    await sleep(200);
    const r = await storage.queryConcept({ conceptId: "after-drop" }, { timeoutMs: 5000 });
    expect(r.conceptId).toBe("after-drop");
    expect(t.stats()).toMatchObject({ verifyFailures: 1 });
    expect(proxy.accepted).toBe(2);
  });

  it("without idle verification a black-holed request ends at its deadline and its connection is not reused", async () => {
    const server = await rustStyle();
    const proxy = await proxyTo(Number(server.ready.port));
    const t = transportTo(proxy.port, { pool: { min: 1, max: 1, idleVerifyMs: 60_000 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    proxy.blackHoleExisting();
    const err = await errorOf(storage.queryConcept({ conceptId: "lost" }, { timeoutMs: 200 }));
    expect(err?.code).toBe(Code.DeadlineExceeded);
    expect((await storage.queryConcept({ conceptId: "next" }, { timeoutMs: 5000 })).conceptId).toBe("next");
  });

  it("freeze and thaw: after a wall-clock gap the timers cannot explain, pooled connections are not trusted", async () => {
    const server = await rustStyle();
    const proxy = await proxyTo(Number(server.ready.port));
    const t = transportTo(proxy.port, { pool: { min: 1, max: 2, idleVerifyMs: 60_000, freezeGapMs: 300 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    expect((await storage.queryConcept({ conceptId: "warm" })).conceptId).toBe("warm");
    // While "frozen" the NAT forgot the flow: black-hole it, then block the event loop (no timer can run).
    proxy.blackHoleExisting();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1600);
    const r = await storage.queryConcept({ conceptId: "thawed" }, { timeoutMs: 1500 });
    expect(r.conceptId).toBe("thawed");
    expect(t.stats().thaws).toBe(1);
    expect(proxy.accepted).toBe(2);
  });

  it("the proxy's reset of every connection fails in-flight calls once; later calls reconnect", async () => {
    const server = await rustStyle("--stall-ms", "800");
    const proxy = await proxyTo(Number(server.ready.port));
    const t = transportTo(proxy.port, { pool: { min: 2, max: 2 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    // The kernel completes a connect before the proxy's accept callback runs.
    expect(await until(() => proxy.open === 2, 2000)).toBe(true);
    const a = errorOf(storage.learnConcept({ conceptId: "stall-a", content: "" }, { timeoutMs: 5000 }));
    const b = errorOf(storage.learnConcept({ conceptId: "stall-b", content: "" }, { timeoutMs: 5000 }));
    await until(() => t.stats().inFlight === 2, 2000);
    await sleep(100); // let the proxy forward both requests
    proxy.resetAll();
    for (const e of [await a, await b]) expect(e?.code).toBe(Code.Unavailable);
    expect((await storage.queryConcept({ conceptId: "again" }, { timeoutMs: 5000 })).conceptId).toBe("again");
    // Whether the server executed the written requests is the server's business; the client never resends them.
    await sleep(900);
    expect(learnedCount(server.output(), "stall-a")).toBeLessThanOrEqual(1);
    expect(learnedCount(server.output(), "stall-b")).toBeLessThanOrEqual(1);
  });
});
