import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorkerdGuest } from "../runtimes/support/workerd-guest.js";
import type { ServerProcess } from "../support/server-process.js";
import { startRedisServer, startUpstashRestServer, type RedisServer } from "../support/redis-server.js";

// The edge path end to end: the built `syncvalue/fleet` inside workerd
// (Miniflare), over @upstash/redis (HTTP) to an Upstash-compatible REST
// server in front of a real redis-server, all on 127.0.0.1.
let server: RedisServer;
let rest: ServerProcess;
const token = "fleet-workerd-token";

beforeAll(async () => {
  server = await startRedisServer();
  rest = await startUpstashRestServer(server, token);
});
afterAll(async () => {
  await rest?.kill();
  await server?.close();
});

it("workerd (Miniflare): leases, bids and writes a win through @upstash/redis; the books balance", async () => {
  const { mf, inputs, logged } = await startWorkerdGuest("fleet-worker.ts");
  expect(inputs).toContain("dist/fleet/index.js");
  try {
    const query = new URLSearchParams({ rest: `http://127.0.0.1:${rest.ready["port"]}`, token, campaign: "workerd" });
    const response = await mf.dispatchFetch(`http://worker.local/?${query}`);
    const text = await response.text();
    const r = JSON.parse(text) as {
      seeded: string;
      ready: boolean;
      noBid: boolean;
      outcome: { applied: boolean; spend: number };
      books: { total: number; pool: number; outstanding: number; spent: number; late: number; leases: number };
      metrics: { state: string; roundTrips: number };
    };
    expect(r.seeded).toBe("created");
    expect(r.ready).toBe(true);
    expect(r.noBid).toBe(false);
    expect(r.outcome).toMatchObject({ applied: true, spend: 0.5 });
    expect(r.books).toMatchObject({ total: 10, spent: 0.5, late: 0, leases: 0, outstanding: 0, pool: 9.5 });
    expect(r.metrics.state).toBe("closed");
  } finally {
    await mf.dispose();
  }
  expect(logged()).not.toMatch(/unhandled|uncaught/i);
}, 60_000);
