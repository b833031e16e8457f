import { createSeededRandom, type PredictionInput } from "../../src/bid/index.js";
import type { Scenario } from "./auction-scenarios.js";
import { exponential, logNormal, normal, pickWeighted, uniform } from "./random-distributions.js";

/** One auction of the simulated day, with everything drawn up front (common random numbers across bidders). */
export interface AuctionEvent {
  /** Arrival, ms since midnight. */
  time: number;
  platform: string;
  /** True lifetime value of the customer, USD. */
  trueLtv: number;
  /** True P(conversion | impression). */
  trueConversion: number;
  /** The conversion rate the bidder is given (the caller's own, noisy estimate). */
  estimatedConversion: number;
  /** The prediction; undefined during the outage. */
  prediction: PredictionInput | undefined;
  /** How long the prediction took, ms. */
  predictionLatencyMs: number;
  at: 1 | 2;
  currency: "USD" | "EUR";
  /** Floor, CPM, auction currency (0 = none). */
  floorCpm: number;
  tmax: number;
  /** Highest competing bid, CPM, auction currency. */
  competitorCpm: number;
  /**
   * Median of the distribution `competitorCpm` was drawn from (log-normal, spread
   * `market.competitorSigma`), CPM, auction currency: the true bid landscape of this
   * impression, which only the true-landscape reference may read.
   */
  competitorMedianCpm: number;
  /** Uniform draw deciding the conversion if won (converts when below trueConversion). */
  conversionDraw: number;
  /** Whether the exchange sends a loss notice for this auction. */
  lossNoticeSent: boolean;
  /** Whether the outcome carries the minimum bid to win (first price only). */
  minBidToWinSent: boolean;
  /** Delay of the outcome notice, ms. */
  noticeDelayMs: number;
}

/** A generated day. */
export interface AuctionDay {
  events: AuctionEvent[];
  /** Cost, USD, of winning every impression whose true value covers its price: the scale budgets are set from. */
  worthwhileCost: number;
}

/** Fixed parameters of the market model. */
export const market = {
  dayMs: 86_400_000,
  platforms: ["google_ads", "meta", "tiktok", "linkedin", "amazon", "tradedesk", "x"],
  platformWeights: [30, 25, 15, 5, 10, 10, 5],
  ltvMedian: 40,
  ltvSigma: 1.0,
  conversionMedian: 0.001,
  conversionSigma: 0.9,
  conversionEstimateSigma: 0.25,
  competitorMedian: 4,
  competitorLtvElasticity: 0.35,
  competitorSigma: 0.6,
  floorShare: 0.6,
  floorMedian: 1.0,
  floorSigma: 0.5,
  eurShare: 0.1,
  /** USD per EUR; the bidder is configured with the same rate. */
  eurRate: 1.08,
  fallbackShare: 0.03,
  errorShare: 0.01,
  tmaxChoices: [80, 120, 200, 300],
  latencyMedianMs: 12,
  latencySigma: 0.6,
  outage: { from: 9, to: 10 },
  lossNoticeShare: 0.7,
  minBidToWinShare: 0.7,
} as const;

/** Relative traffic at hour `h` (fractional): a night floor, a midday peak and a larger evening peak. */
export function trafficCurve(h: number): number {
  return 0.25 + Math.exp(-((h - 11) ** 2) / (2 * 2.5 ** 2)) + 1.3 * Math.exp(-((h - 20) ** 2) / (2 * 2 ** 2));
}

/** The curve's mass per hour, the traffic-shaped delivery plan the bidders use. */
export function hourlyTrafficWeights(): number[] {
  const w: number[] = [];
  for (let h = 0; h < 24; h++) {
    let s = 0;
    for (let m = 0; m < 60; m++) s += trafficCurve(h + (m + 0.5) / 60);
    w.push(s / 60);
  }
  return w;
}

/** Generates a day of auctions for a seed and scenario; `auctionsPerDay` is the expected count on the base curve. */
export function generateAuctionDay(seed: number, scenario: Scenario, auctionsPerDay: number): AuctionDay {
  const random = createSeededRandom(seed);
  const weights = hourlyTrafficWeights();
  const meanCurve = weights.reduce((a, b) => a + b, 0) / 24;
  const ratePerMs = auctionsPerDay / market.dayMs / meanCurve; // arrivals per ms per unit of curve
  let maxCurve = 0;
  for (let m = 0; m < 24 * 60; m++) maxCurve = Math.max(maxCurve, trafficCurve(m / 60));
  const surgeFactor = Math.max(1, scenario.supplyDip?.factor ?? 1);
  const lambdaMax = ratePerMs * maxCurve * surgeFactor;
  const cumulativePlatform: number[] = [];
  market.platformWeights.reduce((acc, w) => (cumulativePlatform.push(acc + w), acc + w), 0);
  const priceFactor = scenario.priceFactor ?? 1;
  const bias = scenario.predictionBias ?? 1;
  const firstPriceShare = scenario.firstPriceShare ?? 0.3;

  const events: AuctionEvent[] = [];
  let worthwhileCost = 0;
  let t = 0;
  for (;;) {
    t += exponential(random, lambdaMax);
    if (t >= market.dayMs) break;
    const hour = t / 3_600_000;
    let rate = ratePerMs * trafficCurve(hour);
    const dip = scenario.supplyDip;
    if (dip && hour >= dip.from && hour < dip.to) rate *= dip.factor;
    if (random.next() * lambdaMax >= rate) continue; // thinning: a Poisson process with rate(t)

    const platform = market.platforms[pickWeighted(random, cumulativePlatform)]!;
    const trueLtv = logNormal(random, market.ltvMedian, market.ltvSigma);
    const trueConversion = Math.min(0.05, logNormal(random, market.conversionMedian, market.conversionSigma));
    const estimatedConversion = Math.min(1, trueConversion * Math.exp(market.conversionEstimateSigma * normal(random)));

    // Prediction: log-normal error with a per-customer spread sigma; the 95%
    // interval pred x exp(+-1.96 sigma) then contains the truth 95% of the time.
    const statusDraw = random.next();
    const status = statusDraw < market.errorShare ? 1 : statusDraw < market.errorShare + market.fallbackShare ? 5 : 0;
    const sigma = status === 5 ? 1.0 : uniform(random, 0.15, 0.7);
    const z = normal(random);
    const predicted = trueLtv * Math.exp(sigma * z) * bias;
    const inOutage = hour >= market.outage.from && hour < market.outage.to;
    const prediction: PredictionInput | undefined = inOutage
      ? undefined
      : {
          predictedLtv: status === 1 ? 0 : predicted,
          confidence: status === 1 ? 0 : status === 5 ? 0.2 : Math.max(0, Math.min(1, 1 - sigma)),
          ltvLowerBound: status === 1 ? 0 : predicted * Math.exp(-1.96 * sigma),
          ltvUpperBound: status === 1 ? 0 : predicted * Math.exp(1.96 * sigma),
          status,
          modelVersion: "sim-1",
        };
    const predictionLatencyMs = logNormal(random, market.latencyMedianMs, market.latencySigma);

    const at: 1 | 2 = random.next() < firstPriceShare ? 1 : 2;
    const eur = random.next() < market.eurShare;
    const toAuctionCurrency = eur ? 1 / market.eurRate : 1;
    const jump = scenario.priceJump !== undefined && hour >= scenario.priceJump.fromHour ? scenario.priceJump.factor : 1;
    const elasticity = scenario.competitorValueElasticity;
    const competitorMedianUsd =
      priceFactor *
      jump *
      market.competitorMedian *
      (elasticity === undefined
        ? Math.pow(trueLtv / market.ltvMedian, market.competitorLtvElasticity)
        : Math.pow((trueConversion * trueLtv) / (market.conversionMedian * market.ltvMedian), elasticity));
    const competitorUsd = competitorMedianUsd * Math.exp(market.competitorSigma * normal(random));
    const hasFloor = random.next() < market.floorShare;
    const floorUsd = hasFloor ? priceFactor * jump * logNormal(random, market.floorMedian, market.floorSigma) : 0;
    const tmax = market.tmaxChoices[Math.floor(random.next() * market.tmaxChoices.length)]!;
    const event: AuctionEvent = {
      time: t,
      platform,
      trueLtv,
      trueConversion,
      estimatedConversion,
      prediction,
      predictionLatencyMs,
      at,
      currency: eur ? "EUR" : "USD",
      floorCpm: floorUsd * toAuctionCurrency,
      tmax,
      competitorCpm: competitorUsd * toAuctionCurrency,
      competitorMedianCpm: competitorMedianUsd * toAuctionCurrency,
      conversionDraw: random.next(),
      lossNoticeSent: random.next() < market.lossNoticeShare,
      minBidToWinSent: at === 1 && random.next() < market.minBidToWinShare,
      noticeDelayMs: uniform(random, 50, 2000),
    };
    events.push(event);
    const cost = Math.max(competitorUsd, floorUsd) / 1000;
    if (trueConversion * trueLtv >= cost) worthwhileCost += cost;
  }
  return { events, worthwhileCost };
}
