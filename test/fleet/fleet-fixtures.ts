import { Redis } from "ioredis";
import { createBidder, type Bidder, type BidInput } from "../../src/bid/index.js";
import { createFleetBudgetAdmin, createFleetLedger, fromIoredis, type FleetBudgetStatus, type FleetLedger, type FleetLedgerOptions } from "../../src/fleet/index.js";

export const hour = 3_600_000;

/** An ioredis client for a test server; no retries beyond one reconnect wait, so failures show quickly. */
export function ioredisClient(port: number): Redis {
  const client = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => 50, enableOfflineQueue: true, lazyConnect: false });
  // Connection errors while a test has the server down are expected; commands still reject.
  client.on("error", () => {});
  return client;
}

/** A bidder on a fleet ledger: no pacing, no shading, so each bid costs its value (1.00 at the default input). */
export function fleetBidder(ledger: FleetLedger, amount: number, extra: Partial<Parameters<typeof createBidder>[0]> = {}): Bidder {
  const bidder = createBidder({
    budget: { amount, periodStart: Date.now() - hour, periodEnd: Date.now() + hour },
    pacing: { controller: "none" },
    shading: false,
    riskAdjustment: "none",
    ...ledger.bidderOptions(),
    ...extra,
  });
  ledger.attach(bidder);
  return bidder;
}

/** One impression worth 1000 CPM (1.00 per impression) at a second-price auction. */
export function impression(fields: Partial<BidInput> = {}): BidInput {
  return {
    prediction: { predictedLtv: 100, confidence: 0.8, ltvLowerBound: 60, ltvUpperBound: 150, status: 0, modelVersion: "t" },
    conversionRate: 0.01,
    auction: { at: 2 },
    ...fields,
  };
}

/** pool + outstanding + spent + late, which must equal total at every instant. */
export function accounted(s: FleetBudgetStatus): number {
  return s.pool + s.outstanding + s.spent + s.late;
}

export function ledgerOn(redis: Redis, campaign: string, options: Partial<FleetLedgerOptions> = {}): FleetLedger {
  return createFleetLedger({ redis: fromIoredis(redis), campaign, minChunk: 5, ...options });
}

export function adminOn(redis: Redis) {
  return createFleetBudgetAdmin({ redis: fromIoredis(redis) });
}
