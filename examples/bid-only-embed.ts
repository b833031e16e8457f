/**
 * Bid helpers embedded with no network at all: `syncvalue/bid` is pure
 * computation (no I/O, no timers), so it runs wherever the bidder already has
 * a prediction, e.g. one pushed with the bid request or read from its own
 * store. The clock and the seed are injected, so the output is reproducible.
 *
 * Run: `npm run build && npm run example -- bid-only-embed` (esbuild, a dev dependency, runs the
 * TypeScript; `npm test` also builds it to `.build/examples/bid-only-embed.js`).
 */
import { createBidder } from "syncvalue/bid";

const day = 86_400_000;
let now = Date.UTC(2026, 0, 1);
const bidder = createBidder({
  budget: { amount: 50, periodStart: now, periodEnd: now + day },
  now: () => now,
  seed: 42,
});

// Predictions as the prediction service returns them (fields of LTVPredictionResponse).
const predictions = [
  { customerId: "c-1", platform: "meta", predictedLtv: 240, ltvLowerBound: 120, ltvUpperBound: 410, confidence: 0.7, status: 0 },
  { customerId: "c-2", platform: "tiktok", predictedLtv: 35, ltvLowerBound: 10, ltvUpperBound: 90, confidence: 0.3, status: 0 },
  { customerId: "c-3", platform: "google_ads", predictedLtv: 0, ltvLowerBound: 0, ltvUpperBound: 0, confidence: 0, status: 3 },
];

let won = 0;
for (const p of predictions) {
  now += 600_000; // ten minutes apart: by the first, a new bidder's cold start (its spend-rate cap) is over
  const usable = p.status === 0 ? p : undefined; // INSUFFICIENT_DATA and the like: bid from the prior
  const d = bidder.bid({ prediction: usable, conversionRate: 0.02, platform: p.platform, auction: { at: 1, bidfloor: 0.5 } });
  console.log(`${p.customerId} ${p.platform}: ${d.noBid ? `no bid (${d.reason})` : `bid ${d.bidCpm.toFixed(2)} CPM (${d.reason})`}`);
  if (!d.noBid) {
    const r = bidder.recordOutcome({ decisionId: d.decisionId, won: true, priceCpm: d.bidCpm * 0.8 });
    if (r.applied) won++;
  }
}
const s = bidder.snapshot();
console.log(`bid-only embed: ${predictions.length} impressions, ${won} won, spent ${s.spent.toFixed(4)} of ${s.budgetTotal}`);
