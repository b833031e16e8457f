import { createBidder, createSeededRandom, type BidDecision, type Bidder } from "syncvalue/bid";
import { PredictionStatus, type LTVPredictionResponse } from "syncvalue";


const DAY_MS = 86_400_000;
const AUCTIONS_PER_CUSTOMER = 5;

interface Tally {
  bids: number;
  wins: number;
  spend: number;
  valueWon: number;
  noBids: Map<string, number>;
}

/**
 * Turns every prediction into bids over a simulated day of auctions (first
 * and second price, floors, market prices), with the budget-aware bidder of
 * `syncvalue/bid` and, for comparison, the original "bid 30% of predicted LTV"
 * rule without pacing. Both see exactly the same auctions.
 */
export function bidsFor(predictions: LTVPredictionResponse[], platformOf: Map<string, string>): void {
  const seeded = createSeededRandom(7);
  const random = () => seeded.next();
  type Auction = { p: LTVPredictionResponse; platform: string; at: 1 | 2; floor: number; market: number; cvr: number; time: number };
  const auctions: Auction[] = [];
  for (const p of predictions) {
    for (let i = 0; i < AUCTIONS_PER_CUSTOMER; i++) {
      // Conversion rates of display impressions: 0.02% to 0.22%.
      const cvr = 0.0002 + random() * 0.002;
      // Market prices (CPM) around what the impression is worth to an average bidder.
      const market = Math.exp(Math.log(cvr * 100 * 1000) + (random() - 0.5) * 1.6);
      auctions.push({ p, platform: platformOf.get(p.requestId) ?? "google_ads", at: random() < 0.5 ? 1 : 2, floor: random() < 0.3 ? market * 0.5 : 0, market, cvr, time: random() * DAY_MS });
    }
  }
  auctions.sort((a, b) => a.time - b.time);

  let clock = 0;
  // A budget that buys only part of what is on offer, so pacing matters.
  const budget = { amount: Math.round(auctions.length / 400), periodStart: 0, periodEnd: DAY_MS };
  const bidders: [string, Bidder][] = [
    ["syncvalue/bid (dual pacing, shading)", createBidder({ budget, now: () => clock, seed: 1 })],
    ["original rule: 30% of LTV", createBidder({ budget, now: () => clock, seed: 1, strategy: { kind: "legacy_ltv_share" }, pacing: { controller: "none" }, shading: false })],
  ];
  const tallies = bidders.map((): Tally => ({ bids: 0, wins: 0, spend: 0, valueWon: 0, noBids: new Map() }));
  let decisions = 0;
  const t0 = performance.now();
  for (const a of auctions) {
    clock = a.time;
    bidders.forEach(([, bidder], i) => {
      const decision: BidDecision = bidder.bid({
        prediction: a.p,
        conversionRate: a.cvr,
        platform: a.platform,
        auction: { at: a.at, bidfloor: a.floor, bidfloorcur: "USD", tmax: 120, startedAt: clock },
      });
      decisions++;
      const tally = tallies[i]!;
      if (decision.noBid) {
        // A prediction that is neither SUCCESS nor FALLBACK (here: INSUFFICIENT_DATA, customers with no
        // purchase) is a `prediction_failed` no-bid: name the status, since nothing failed.
        const reason = decision.reason === "prediction_failed" ? `prediction ${PredictionStatus[a.p.status]}` : decision.reason;
        tally.noBids.set(reason, (tally.noBids.get(reason) ?? 0) + 1);
        return;
      }
      tally.bids++;
      const won = decision.bidCpm >= a.market;
      const priceCpm = won ? (a.at === 1 ? decision.bidCpm : Math.max(a.market, a.floor)) : undefined;
      bidder.recordOutcome({ decisionId: decision.decisionId, won, priceCpm, minBidToWinCpm: a.market });
      if (won) {
        tally.wins++;
        tally.spend += priceCpm! / 1000;
        tally.valueWon += a.cvr * a.p.predictedLtv;
      }
    });
  }
  const usPerDecision = ((performance.now() - t0) * 1000) / decisions;

  console.log(`bids over ${auctions.length} simulated auctions (${AUCTIONS_PER_CUSTOMER} per prediction), budget ${budget.amount.toFixed(2)} USD for the day:`);
  console.log("  bidder                                    bids    wins    spend  used  expected value won  top no-bid reasons");
  bidders.forEach(([name], i) => {
    const t = tallies[i]!;
    const reasons = [...t.noBids].sort((x, y) => y[1] - x[1]).slice(0, 2).map(([r, n]) => `${r} ${n}`).join(", ");
    console.log(
      `  ${name.padEnd(40)} ${String(t.bids).padStart(6)} ${String(t.wins).padStart(7)} ${t.spend.toFixed(2).padStart(8)} ${((t.spend / budget.amount) * 100).toFixed(0).padStart(4)}% ${t.valueWon.toFixed(2).padStart(19)}  ${reasons}`,
    );
    if (t.spend > budget.amount + 1e-9) throw new Error(`${name} overspent: ${t.spend} > ${budget.amount}`);
  });
  console.log(`  ${usPerDecision.toFixed(1)} us per bid decision`);
}
