import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { createClient } from "../../src/node/create-client-node.js";

// A pool growing to many connections at once under a burst must not look like
// a leak: each connect attempt listened on one shared close signal, so 11
// concurrent connects made Node print MaxListenersExceededWarning.
let server: ReferenceServer;
beforeAll(async () => {
  server = await createServer({ host: "127.0.0.1", port: 0, tcp: true });
});
afterAll(async () => {
  await server.close();
});

describe("TCP pool growth under a burst", () => {
  it("opens up to pool.max connections at once without a listener-leak warning, every answer its own", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const client = createClient({
      prediction: { url: server.tcpUrl!, tcp: { pool: { min: 0, max: 24 } } },
      cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 5000,
    });
    try {
      const ids = Array.from({ length: 96 }, (_, i) => `burst-${i}`);
      const answers = await Promise.all(ids.map((requestId) => client.prediction.predictLTV({ requestId, customerId: "c", platform: "meta" })));
      expect(answers.map((a) => a.requestId)).toEqual(ids);
      // The burst really grew the pool past ten connects.
      expect(client.metrics().pool.prediction?.connects ?? 0).toBeGreaterThan(10);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await client.close();
    }
  });
});
