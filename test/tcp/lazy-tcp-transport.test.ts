import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createPredictionClientOn } from "../../src/client/create-prediction-client.js";
import type { RuntimePlatform } from "../../src/client/runtime-platform.js";
import { createTcpTransport } from "../../src/runtime/lazy-tcp-transport.js";
import { socketTcpTransport } from "../../src/runtime/socket-tcp-transport.js";
import { connectNodeSocket } from "../../src/tcp/socket/node-socket-node.js";
import { fetchPlatform } from "../../src/web/fetch-platform.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

// The Deno and Bun builds' createTcpTransport loads the transport's code with
// import() when it is created. Run here on Node's sockets (the runtimes'
// own run in test/runtimes) against the reference server in its own process:
// options are still checked at once, calls and warmup() wait for the code,
// and the pool reports as the eager transport's does.
let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServer();
});
afterAll(async () => {
  await server?.kill();
});

const refusal = (f: () => unknown): ConnectError => {
  try {
    f();
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected a throw");
};

describe("createTcpTransport of the Deno and Bun builds (loaded on first use)", () => {
  it("refuses bad options at once with InvalidArgument naming the option, before loading anything", () => {
    expect(refusal(() => createTcpTransport({ url: "http://127.0.0.1:1", connect: connectNodeSocket }))).toMatchObject({ code: Code.InvalidArgument });
    const pool = refusal(() => createTcpTransport({ url: "tcp://127.0.0.1:1", connect: connectNodeSocket, pool: { min: 3, max: 2 } }));
    expect(pool).toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^pool\.min: /) });
    const fields = refusal(() => createTcpTransport({ url: "tcp://127.0.0.1:1", connect: connectNodeSocket, requestFields: "maps" as never }));
    expect(fields).toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^requestFields: /) });
  });

  it("a call made at once waits for the code, then answers; stats() is an empty pool until then", async () => {
    const transport = createTcpTransport({ url: server.tcpUrl!, connect: connectNodeSocket });
    try {
      expect(transport.url).toBe(server.tcpUrl);
      expect(transport.stats()).toMatchObject({ open: 0, connects: 0, queued: 0, down: false });
      const prediction = createClient(SyncValueService, transport);
      const answer = await prediction.predictLTV(
        { requestId: "lazy-1", timestampMs: BigInt(Date.now()), customerId: "c-1", platform: "meta", eventHistory: [{ timestampMs: BigInt(Date.now() - 86_400_000), eventType: "purchase", eventValue: 64 }] },
        { timeoutMs: 10_000 },
      );
      expect(answer).toMatchObject({ requestId: "lazy-1", status: PredictionStatus.SUCCESS });
      expect(transport.stats().connects).toBeGreaterThanOrEqual(1);
    } finally {
      await transport.close();
    }
  });

  it("under createPredictionClient: warmup() waits for the code, metrics() reports the pool, close() before the load ends cleanly", async () => {
    const platform: RuntimePlatform = { ...fetchPlatform, poolsSockets: true, createTcpTransport: socketTcpTransport(createTcpTransport, connectNodeSocket) };
    const client = createPredictionClientOn(platform, { endpoint: server.tcpUrl!, timeoutMs: 5_000 });
    try {
      await client.warmup();
      expect(client.metrics().pool.prediction).toMatchObject({ open: 1, down: false });
      const answer = await client.prediction.predictLTV({ requestId: "lazy-2", customerId: "c-2", platform: "meta" });
      expect(answer.requestId).toBe("lazy-2");
    } finally {
      await client.close();
    }
    // Closed before its code is loaded: nothing stays open, calls fail as after any close.
    const early = createTcpTransport({ url: server.tcpUrl!, connect: connectNodeSocket });
    await early.close();
    const after = await createClient(SyncValueService, early)
      .predictLTV({ requestId: "lazy-3", customerId: "c-3", platform: "meta" }, { timeoutMs: 5_000 })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(after).toBeInstanceOf(ConnectError);
    expect(early.stats()).toMatchObject({ open: 0, inFlight: 0 });
  });
});
