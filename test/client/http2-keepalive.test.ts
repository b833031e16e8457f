import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/node/create-client-node.js";
import type { Http2KeepaliveOptions } from "../../src/client/client-options.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import { startTcpFaultProxy, type TcpFaultProxy } from "../support/tcp-fault-proxy.js";

// HTTP/2 keep-alive, watched on the wire: a proxy between client and server
// counts the bytes the client sends while it makes no call, and can silently
// drop a connection (as a NAT or load balancer forgets an idle flow).
const wireOnly = { cache: false, retry: false, circuitBreaker: false, fallback: false } as const;
const PING_FRAME_BYTES = 17; // 9-byte frame header + 8-byte payload

let server: ReferenceServerProcess;
let proxy: TcpFaultProxy;
beforeAll(async () => {
  server = await spawnReferenceServer();
  proxy = await startTcpFaultProxy(Number(new URL(server.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await server?.kill();
});

const request = { requestId: "k", customerId: "c-keepalive", platform: "meta", eventHistory: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientWith(http2: Http2KeepaliveOptions) {
  return createClient({ prediction: { url: `http://127.0.0.1:${proxy.port}`, http2: { sessions: 1, ...http2 } }, timeoutMs: 5_000, ...wireOnly });
}

describe("HTTP/2 keep-alive", () => {
  it("PINGs an idle connection at the interval, on the same connection", async () => {
    const client = clientWith({ pingIntervalMs: 100, pingTimeoutMs: 2_000, pingIdleConnection: true });
    try {
      await client.prediction.predictLTV(request);
      await sleep(50); // let the call's last frames (window updates) pass
      const accepted = proxy.accepted;
      const before = proxy.bytesUp;
      await sleep(700);
      // About six intervals passed with no call: several PING frames went out
      // (the next test shows an idle connection otherwise sends nothing).
      expect(proxy.bytesUp - before).toBeGreaterThanOrEqual(3 * PING_FRAME_BYTES);
      await client.prediction.predictLTV(request);
      expect(proxy.accepted).toBe(accepted);
    } finally {
      await client.close();
    }
  });

  it("sends nothing on an idle connection when idle PINGs are off", async () => {
    const client = clientWith({ pingIntervalMs: 100, pingTimeoutMs: 2_000, pingIdleConnection: false });
    try {
      await client.prediction.predictLTV(request);
      await sleep(50); // let the call's last frames (window updates) pass
      const before = proxy.bytesUp;
      await sleep(500);
      expect(proxy.bytesUp - before).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("verifies a connection idle past the PING interval before reuse, and replaces a dead one", async () => {
    const client = clientWith({ pingIntervalMs: 200, pingTimeoutMs: 300, pingIdleConnection: false });
    try {
      await client.prediction.predictLTV(request);
      const accepted = proxy.accepted;
      // The connection silently dies while idle; nothing notices, since nothing is sent.
      proxy.blackHoleExisting();
      await sleep(400);
      // The next call finds it idle past the interval, PINGs it, gets no answer
      // within the PING timeout, and opens a new connection: the call succeeds.
      const t0 = performance.now();
      const res = await client.prediction.predictLTV({ ...request, requestId: "after-idle" });
      expect(res.requestId).toBe("after-idle");
      expect(proxy.accepted).toBe(accepted + 1);
      expect(performance.now() - t0).toBeLessThan(5_000);
    } finally {
      await client.close();
    }
  });
});
