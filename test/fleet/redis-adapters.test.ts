import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IoRedis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFleetBudgetAdmin,
  createFleetLedger,
  fromIoredis,
  fromNodeRedis,
  fromUpstash,
  type FleetRedisClient,
} from "../../src/fleet/index.js";
import type { ServerProcess } from "../support/server-process.js";
import { startRedisServer, startUpstashRestServer, type RedisServer } from "../support/redis-server.js";
import { accounted, fleetBidder, impression } from "./fleet-fixtures.js";

let server: RedisServer;
let rest: ServerProcess;
const token = "fleet-test-token";
const closers: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  server = await startRedisServer();
  rest = await startUpstashRestServer(server, token);
});
afterAll(async () => {
  for (const close of closers) await close();
  await rest?.kill();
  await server?.close();
});

const clients: Record<string, () => Promise<{ client: FleetRedisClient; flush: () => Promise<unknown> }>> = {
  "node-redis": async () => {
    const c = await createClient({ url: server.url }).connect();
    closers.push(() => c.quit());
    return { client: fromNodeRedis(c), flush: () => c.sendCommand(["SCRIPT", "FLUSH"]) };
  },
  ioredis: async () => {
    const c = new IoRedis(server.url);
    closers.push(() => c.quit());
    return { client: fromIoredis(c), flush: () => c.script("FLUSH") };
  },
  "@upstash/redis (HTTP, via an Upstash REST server)": async () => {
    // The local REST server answers in plain JSON, not base64: Upstash's own service needs neither option.
    const c = new UpstashRedis({ url: `http://127.0.0.1:${rest.ready["port"]}`, token, responseEncoding: false, enableTelemetry: false });
    return { client: fromUpstash(c), flush: () => c.scriptFlush() };
  },
};

describe.each(Object.keys(clients))("adapter: %s", (name) => {
  it("seeds, leases, bids, writes a win through, falls back to EVAL after SCRIPT FLUSH, reads balanced books", async () => {
    const { client, flush } = await clients[name]!();
    const campaign = `adapter-${name.replace(/[^a-z]/g, "")}`;
    const admin = createFleetBudgetAdmin({ redis: client });
    expect((await admin.setBudget({ campaign, amount: 10, periodStart: 0, periodEnd: 4e12 })).status).toBe("created");
    expect((await admin.setBudget({ campaign, amount: 10, periodStart: 0, periodEnd: 4e12 })).status).toBe("unchanged");
    const ledger = createFleetLedger({ redis: client, campaign, minChunk: 2 });
    const bidder = fleetBidder(ledger, 10);
    expect(await ledger.ready()).toBe(true);
    const d = bidder.bid(impression());
    if (d.noBid) throw new Error(`expected a bid, got ${d.reason}`);
    await flush();
    const trips = ledger.metrics().roundTrips;
    await ledger.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: 250 });
    expect(ledger.metrics().roundTrips - trips).toBe(2);
    const s = await admin.status(campaign);
    expect(s).toMatchObject({ exists: true, total: 10, spent: 0.25, leases: 1 });
    expect(accounted(s)).toBeCloseTo(10, 9);
    await ledger.close();
    expect(await admin.status(campaign)).toMatchObject({ leases: 0, outstanding: 0, pool: 9.75 });
  });
});
