// Requests sent in one turn of the event loop share one socket write; one abandoned before its write leaves the connection be.
import { Code, createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { createTcpTransport, type TcpTransport, type TcpTransportOptions } from "../../src/tcp/index.js";
import type { SocketConnector } from "../../src/tcp/socket/runtime-socket.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import { errorOf, learnedCount, startRustStyle, until } from "./tcp-test-support.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

/** A real Node socket that counts its writes and the bytes in them. */
function countingConnector(): { connect: SocketConnector; writes: number[] } {
  const writes: number[] = [];
  const connect: SocketConnector = Object.assign(
    async (options: Parameters<SocketConnector>[0], events: Parameters<SocketConnector>[1]) => {
      const socket = await connectNodeSocket(options, events);
      return {
        write: (bytes: Uint8Array) => {
          writes.push(bytes.byteLength);
          return socket.write(bytes);
        },
        end: () => socket.end(),
        destroy: () => socket.destroy(),
        setKeepsProcessAlive: (alive: boolean) => socket.setKeepsProcessAlive?.(alive),
      };
    },
    { runtime: "node" },
  );
  return { connect, writes };
}

async function pipelined(options: Partial<TcpTransportOptions> = {}) {
  const server = await startRustStyle();
  cleanup.push(() => server.kill());
  const counting = countingConnector();
  const t: TcpTransport = createTcpTransport({
    url: `tcp://127.0.0.1:${server.ready.port}`,
    connect: counting.connect,
    pool: { min: 1, max: 1, pipelining: 8 },
    ...options,
  });
  cleanup.push(() => t.close());
  await t.warmup();
  return { server, t, storage: createClient(StorageService, t), writes: counting.writes };
}

describe("TCP write coalescing", () => {
  it("writes the frames of requests sent in one turn in one socket write, and matches every answer to its request", async () => {
    const { t, storage, writes } = await pipelined();
    const before = writes.length;
    const calls = Array.from({ length: 8 }, (_, i) => storage.queryConcept({ conceptId: `c-${i}` }, { timeoutMs: 10_000 }));
    const ids = (await Promise.all(calls)).map((r) => r.conceptId);
    expect(ids).toEqual(Array.from({ length: 8 }, (_, i) => `c-${i}`));
    expect(writes.length - before).toBe(1);
    expect(t.stats()).toMatchObject({ lost: 0, open: 1 });
    // A request sent alone still goes out at once, in its own write.
    expect((await storage.queryConcept({ conceptId: "alone" }, { timeoutMs: 10_000 })).conceptId).toBe("alone");
    expect(writes.length - before).toBe(2);
  });

  it("a request cancelled before its frame went out is dropped unsent: the connection stays, the others are answered", async () => {
    const { server, t, storage, writes } = await pipelined();
    const before = writes.length;
    const cancel = new AbortController();
    const first = storage.learnConcept({ conceptId: "w-1", content: "x" }, { timeoutMs: 10_000 });
    const dropped = errorOf(storage.learnConcept({ conceptId: "w-2", content: "x" }, { signal: cancel.signal, timeoutMs: 10_000 }));
    const third = storage.learnConcept({ conceptId: "w-3", content: "x" }, { timeoutMs: 10_000 });
    cancel.abort();
    expect((await dropped)?.code).toBe(Code.Canceled);
    await Promise.all([first, third]);
    expect(writes.length - before).toBe(1);
    expect(t.stats()).toMatchObject({ lost: 0, open: 1 });
    expect(await until(() => learnedCount(server.output(), "w-3") === 1, 3_000)).toBe(true);
    expect(learnedCount(server.output(), "w-1")).toBe(1);
    expect(learnedCount(server.output(), "w-2")).toBe(0);
  });
});
