// A pipelined request abandoned after its frame went out (deadline, cancel) keeps its place in the
// connection's first-in first-out order: its late answer is read and dropped, the calls behind it get
// their own answers; an answer that never comes closes the connection after pool.lateAnswerGraceMs.
import * as net from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { Packr } from "msgpackr";
import { afterEach, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer } from "../../src/server/create-server.js";
import { createTcpServer } from "../../src/server/tcp-server.js";
import { createTcpTransport, type TcpTransport, type TcpTransportOptions } from "../../src/tcp/index.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import { errorOf, sleep, until } from "./tcp-test-support.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

/**
 * A storage server of the test's own (not the SDK's code): strictly in order per connection, like the
 * contract's servers. `QueryConcept` echoes its id; an id `slow-<ms>-...` is answered after <ms> ms, an
 * id starting `never` is never answered (so nothing behind it on that connection is either).
 */
async function orderedServer(): Promise<{ port: number; seen: string[]; connections: () => number }> {
  const packr = new Packr({ useRecords: false });
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let writes = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const payload = buf.subarray(4, 4 + buf.readUInt32BE(0));
        buf = buf.subarray(4 + payload.length);
        const request = packr.unpack(payload) as Record<string, Record<string, unknown> | unknown[]> | string;
        // Every request received, answered or not.
        if (typeof request === "object") seen.push(conceptId(Object.values(request)[0]!));
        chain = chain.then(() => answer(socket, request));
      }
    });
  });
  // The fields come positional (the SDK's default) or named; `concept_id` is the first either way.
  const conceptId = (fields: Record<string, unknown> | unknown[]): string =>
    String(Array.isArray(fields) ? fields[0] : fields.concept_id);
  async function answer(socket: net.Socket, request: Record<string, Record<string, unknown> | unknown[]> | string): Promise<void> {
    let reply: unknown;
    if (request === "HealthCheck") reply = { HealthCheckOk: [true, "ok", 1] };
    else if (typeof request === "object" && "QueryConcept" in request) {
      const id = conceptId(request.QueryConcept!);
      const slow = /^slow-(\d+)-/.exec(id);
      if (slow) await sleep(Number(slow[1]));
      if (id.startsWith("never")) await new Promise(() => undefined);
      reply = { QueryConceptOk: [true, id, `content of ${id}`, 0.5, 1] };
    } else if (typeof request === "object" && "LearnConcept" in request) {
      reply = { LearnConceptOk: [++writes] };
    } else reply = { Error: ["unexpected request"] };
    if (socket.destroyed) return;
    const body = packr.pack(reply);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    socket.write(Buffer.concat([head, body]));
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, seen, connections: () => accepted };
}

function transportTo(port: number, options: Partial<TcpTransportOptions> = {}): TcpTransport {
  const t = createTcpTransport({ url: `tcp://127.0.0.1:${port}`, connect: connectNodeSocket, ...options });
  cleanup.push(() => t.close());
  return t;
}

describe("late answers of abandoned pipelined requests", () => {
  it("a timed-out pipelined call fails alone: the calls behind it get their own answers, its late answer reaches nobody", async () => {
    const server = await orderedServer();
    const t = transportTo(server.port, { pool: { min: 1, max: 1, pipelining: 8 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const order: string[] = [];
    const track = <T>(name: string, p: Promise<T>) =>
      p.then(
        (v) => (order.push(name), v),
        (e: unknown) => {
          order.push(name);
          throw e;
        },
      );
    // One write carries all four; the first is answered 400 ms late, past its 100 ms deadline.
    const late = errorOf(track("late", storage.queryConcept({ conceptId: "slow-400-a" }, { timeoutMs: 100 })));
    const behind = ["b", "c", "d"].map((id) => track(id, storage.queryConcept({ conceptId: id }, { timeoutMs: 10_000 })));
    expect((await late)?.code).toBe(Code.DeadlineExceeded);
    expect(order).toEqual(["late"]); // failed at its deadline, not when its answer came
    const answers = await Promise.all(behind);
    expect(answers.map((r) => [r.conceptId, r.content])).toEqual([
      ["b", "content of b"],
      ["c", "content of c"],
      ["d", "content of d"],
    ]);
    expect(t.stats()).toMatchObject({ lost: 0, lateAnswers: 1, lateAnswersOverdue: 0, connects: 1, open: 1, inFlight: 0 });
    // The connection is in step: the next call on it gets its own answer, not a stale one.
    expect((await storage.queryConcept({ conceptId: "after" }, { timeoutMs: 10_000 })).conceptId).toBe("after");
    expect(t.stats().connects).toBe(1);
    expect(server.seen).toEqual(["slow-400-a", "b", "c", "d", "after"]);
  });

  it("while its late answer is due, a connection takes nothing new: new calls go to another connection", async () => {
    const server = await orderedServer();
    const t = transportTo(server.port, { pool: { min: 1, max: 2, pipelining: 8 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const late = errorOf(storage.queryConcept({ conceptId: "slow-1000-a" }, { timeoutMs: 100 }));
    expect((await late)?.code).toBe(Code.DeadlineExceeded);
    const next = await storage.queryConcept({ conceptId: "next" }, { timeoutMs: 10_000 });
    expect(next.conceptId).toBe("next");
    // Answered on a second connection, before the late answer came: not queued behind it.
    expect(t.stats()).toMatchObject({ connects: 2, lateAnswers: 0 });
    expect(await until(() => t.stats().lateAnswers === 1, 5_000)).toBe(true);
    expect(t.stats()).toMatchObject({ lost: 0, open: 2 });
  });

  it("at pool.max, a connection holding only abandoned requests makes room for a fresh one at once", async () => {
    const server = await orderedServer();
    const t = transportTo(server.port, { pool: { min: 1, max: 1, pipelining: 8, lateAnswerGraceMs: 60_000 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    expect((await errorOf(storage.queryConcept({ conceptId: "never-a" }, { timeoutMs: 100 })))?.code).toBe(Code.DeadlineExceeded);
    // Nobody waits on never-a's answer: the next call does not wait out the 60 s grace behind it.
    expect((await storage.queryConcept({ conceptId: "next" }, { timeoutMs: 10_000 })).conceptId).toBe("next");
    expect(t.stats()).toMatchObject({ connects: 2, open: 1, lost: 0, lateAnswers: 0 });
  });

  it("an abandoned request never answered: after the grace the connection closes, what was behind it fails once and is never re-sent", async () => {
    const server = await orderedServer();
    const t = transportTo(server.port, { pool: { min: 1, max: 1, pipelining: 8, lateAnswerGraceMs: 300 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    const started = performance.now();
    const lost = errorOf(storage.queryConcept({ conceptId: "never-a" }, { timeoutMs: 100 }));
    const read = errorOf(storage.queryConcept({ conceptId: "b" }, { timeoutMs: 20_000 }));
    const write = errorOf(storage.learnConcept({ conceptId: "w-1", content: "x" }, { timeoutMs: 20_000 }));
    expect((await lost)?.code).toBe(Code.DeadlineExceeded);
    for (const e of [await read, await write]) {
      expect(e?.code).toBe(Code.Unavailable);
      expect(e?.rawMessage).toMatch(/still unanswered 300 ms later/);
    }
    // Deadline (100 ms) plus grace (300 ms), well before the calls' own 20 s deadlines.
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(t.stats()).toMatchObject({ lateAnswersOverdue: 1, lateAnswers: 0, lost: 1 });
    // A fresh connection serves the next call; the write was sent once, never repeated.
    expect((await storage.queryConcept({ conceptId: "next" }, { timeoutMs: 10_000 })).conceptId).toBe("next");
    expect(server.connections()).toBe(2);
    expect(server.seen.filter((id) => id === "w-1")).toHaveLength(1);
    expect(server.seen.filter((id) => id === "b")).toHaveLength(1);
  });

  it("close() does not wait for late answers nobody is waiting on", async () => {
    const server = await orderedServer();
    const t = createTcpTransport({ url: `tcp://127.0.0.1:${server.port}`, connect: connectNodeSocket, pool: { min: 1, max: 1, lateAnswerGraceMs: 60_000 } });
    const storage = createClient(StorageService, t);
    await t.warmup();
    expect((await errorOf(storage.queryConcept({ conceptId: "never-a" }, { timeoutMs: 50 })))?.code).toBe(Code.DeadlineExceeded);
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("the reference server: calls cancelled after their frames went out fail alone, every other call gets its own prediction", async () => {
    const reference = await createServer();
    const tcp = await createTcpServer({ prediction: reference.prediction, storage: reference.storage, health: reference.health });
    cleanup.push(() => reference.close());
    cleanup.push(() => tcp.close());
    const t = transportTo(tcp.port, { pool: { min: 1, max: 1, pipelining: 32 } });
    const prediction = createClient(SyncValueService, t);
    await t.warmup();
    const controllers = Array.from({ length: 24 }, () => new AbortController());
    const calls = controllers.map((c, i) =>
      errorOf(
        prediction.predictLTV(
          { requestId: `r-${i}`, customerId: `cust-${i}`, platform: "meta", timestampMs: 1n, currentCac: 10 },
          { signal: c.signal, timeoutMs: 10_000 },
        ).then((r) => {
          if (r.requestId !== `r-${i}`) throw new Error(`call r-${i} got ${r.requestId}'s answer`);
        }),
      ),
    );
    const cancelled = new Set([5, 6, 11, 17, 23]);
    // After this turn's microtasks: the 24 frames went out in one write, none answered yet.
    await new Promise((r) => setImmediate(r));
    expect(t.stats().inFlight).toBe(24);
    for (const i of cancelled) controllers[i]!.abort();
    const errors = await Promise.all(calls);
    errors.forEach((e, i) => expect(e?.code, `r-${i}`).toBe(cancelled.has(i) ? Code.Canceled : undefined));
    expect(await until(() => t.stats().lateAnswers === cancelled.size, 5_000)).toBe(true);
    expect(t.stats()).toMatchObject({ lost: 0, connects: 1, inFlight: 0 });
  });

  it("by default a connection pipelines: many calls share few connections, each answer its own", async () => {
    const server = await orderedServer();
    const t = transportTo(server.port);
    const storage = createClient(StorageService, t);
    await t.warmup();
    let maxInFlight = 0;
    const calls = Array.from({ length: 64 }, (_, i) => {
      const p = storage.queryConcept({ conceptId: `p-${i}` }, { timeoutMs: 10_000 });
      maxInFlight = Math.max(maxInFlight, t.stats().inFlight);
      return p;
    });
    const ids = (await Promise.all(calls)).map((r) => r.conceptId);
    expect(ids).toEqual(Array.from({ length: 64 }, (_, i) => `p-${i}`));
    // The first connection takes 8 at once (the default), before any other is open.
    expect(maxInFlight).toBe(8);
    expect(t.stats().open).toBeLessThanOrEqual(8);
    expect(t.stats().lost).toBe(0);
  });
});
