// Guest Worker for workerd (Miniflare): the fleet ledger over @upstash/redis
// (HTTP). GET /?rest=<url>&token=<t>&campaign=<id> seeds a budget, takes a
// lease, bids five times from it, writes a win through and answers the books
// and the ledger's counters as JSON.
import { Redis } from "@upstash/redis/cloudflare";
import { createBidder } from "syncvalue/bid";
import { createFleetBudgetAdmin, createFleetLedger, fromUpstash } from "syncvalue/fleet";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const redis = fromUpstash(
      new Redis({ url: url.searchParams.get("rest") ?? "", token: url.searchParams.get("token") ?? "", responseEncoding: false, enableTelemetry: false }),
    );
    const campaign = url.searchParams.get("campaign") ?? "w";
    const admin = createFleetBudgetAdmin({ redis });
    const seeded = await admin.setBudget({ campaign, amount: 20, periodStart: 0, periodEnd: 4e12 });
    const ledger = createFleetLedger({ redis, campaign, minChunk: 12 });
    const ready = await ledger.ready();
    const now = Date.now();
    const bidder = createBidder({
      budget: { amount: 20, periodStart: now - 3_600_000, periodEnd: now + 3_600_000 },
      pacing: { controller: "none" },
      shading: false,
      riskAdjustment: "none",
      ...ledger.bidderOptions(),
    });
    ledger.attach(bidder);
    const prediction = { predictedLtv: 100, confidence: 0.8, ltvLowerBound: 60, ltvUpperBound: 150, status: 0, modelVersion: "w" };
    // Five bids from the lease (no Redis round trip while it is healthy), four losses, then one win written through.
    const tripsBefore = ledger.metrics().roundTrips;
    const decisions = Array.from({ length: 5 }, () => bidder.bid({ prediction, conversionRate: 0.01, auction: { at: 2 } }));
    const tripsWhileBidding = ledger.metrics().roundTrips - tripsBefore;
    const [decision, ...others] = decisions;
    for (const d of others) if (!d!.noBid) await ledger.recordOutcome({ decisionId: d!.decisionId, won: false });
    const outcome = decision!.noBid ? undefined : await ledger.recordOutcome({ decisionId: decision!.decisionId, won: true, priceCpm: 500 });
    const beforeClose = ledger.metrics();
    await ledger.close();
    const books = await admin.status(campaign);
    return Response.json({
      seeded: seeded.status,
      ready,
      bids: decisions.filter((d) => !d.noBid).length,
      tripsWhileBidding,
      noBid: decision!.noBid,
      reason: decision!.reason,
      outcome,
      books,
      beforeClose,
      metrics: ledger.metrics(),
    });
  },
};
