import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { createClient } from "../../src/node/create-client-node.js";

// A connection that dies under a call is an outage (Unavailable: retryable,
// fallback applies), never Canceled (which says the caller gave up). Node
// closes an HTTP/2 stream with RST code CANCEL when its socket closes, so a
// raw mapping of that code would blame the caller.
let server: ReferenceServer;
let relay: net.Server;
const relayed = new Set<net.Socket>();
let mode: "forward" | "close-on-request" | "reset-on-request" | "reset-on-connect" = "forward";

beforeAll(async () => {
  server = await createServer({ host: "127.0.0.1", port: 0, tcp: true });
  // Forwards to the server, or closes / resets the client's socket as soon as a request arrives.
  relay = net.createServer((client) => {
    relayed.add(client);
    client.on("error", () => {});
    if (mode === "reset-on-connect") {
      client.resetAndDestroy();
      return;
    }
    const target = new URL(server.url);
    const upstream = net.connect(Number(target.port), "127.0.0.1");
    upstream.on("error", () => {});
    client.on("data", (d) => {
      // After warmup the connection is quiet: the next bytes are the request.
      if (mode === "close-on-request" || mode === "reset-on-request") {
        if (mode === "close-on-request") client.end();
        else client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    upstream.on("data", (d) => client.write(d));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
});

afterAll(async () => {
  for (const s of relayed) s.destroy();
  await new Promise((r) => relay.close(r));
  await server.close();
});

const wire = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 3000 } as const;
const request = { requestId: "loss-1", customerId: "c-1", platform: "meta" };

describe("a connection lost under a gRPC call", () => {
  for (const m of ["close-on-request", "reset-on-request"] as const) {
    it(`${m}: Unavailable, not Canceled`, async () => {
      const port = (relay.address() as net.AddressInfo).port;
      const client = createClient({ ...wire, prediction: { url: `http://127.0.0.1:${port}`, http2: { sessions: 1 } } });
      try {
        mode = "forward";
        await client.warmup();
        mode = m;
        const err = await client.prediction.predictLTV(request).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectError);
        expect(Code[(err as ConnectError).code]).toBe("Unavailable");
        // And the client recovers on a new connection.
        mode = "forward";
        const ok = await client.prediction.predictLTV(request);
        expect(ok.requestId).toBe("loss-1");
      } finally {
        await client.close();
      }
    });
  }

  it("reset while connecting: Unavailable (connect-node says Aborted)", async () => {
    const port = (relay.address() as net.AddressInfo).port;
    const client = createClient({ ...wire, prediction: { url: `http://127.0.0.1:${port}`, http2: { sessions: 1 } } });
    try {
      mode = "reset-on-connect";
      const err = await client.prediction.predictLTV(request).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect(Code[(err as ConnectError).code]).toBe("Unavailable");
    } finally {
      mode = "forward";
      await client.close();
    }
  });
});
