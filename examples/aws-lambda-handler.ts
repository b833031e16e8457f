/**
 * An AWS Lambda handler that bids from an LTV prediction.
 *
 * - The client is created once per execution environment, outside the
 *   handler, so every invocation reuses its pooled connections.
 * - It is warmed during the init phase (which runs at full CPU), and the
 *   handler awaits that warm-up, so the first bid does not pay for the
 *   connection.
 * - Freeze-safe: Lambda freezes the process between invocations. The client's
 *   timers are unref'd and nothing runs while frozen; on thaw the TCP pool sees
 *   the wall-clock gap and verifies (or replaces) idle connections before use,
 *   and HTTP/2 sessions idle past their PING interval are verified too. The
 *   client is never closed: the environment may be thawed again.
 *
 * Environment: SYNCVALUE_PREDICTION_URL (`tcp://host:port` or `http(s)://host:port`),
 * SYNCVALUE_TOKEN (optional), SYNCVALUE_TIMEOUT_MS (default 50).
 */
import { createClient, PredictionStatus } from "syncvalue";
import { createBidder } from "syncvalue/bid";

const client = createClient({
  prediction: process.env.SYNCVALUE_PREDICTION_URL ?? "http://127.0.0.1:8080",
  ...(process.env.SYNCVALUE_TOKEN ? { auth: { token: process.env.SYNCVALUE_TOKEN } } : {}),
  timeoutMs: Number(process.env.SYNCVALUE_TIMEOUT_MS ?? 50),
  cache: true,
});
// A failed warm-up is not fatal: the first call connects again.
const warm = client.warmup().catch((e: unknown) => console.warn(`syncvalue warm-up failed: ${String(e)}`));

// One bidder per environment; its budget state lives as long as the environment.
const bidder = createBidder({
  budget: { amount: 500, periodStart: Date.now(), periodEnd: Date.now() + 86_400_000 },
});

/** The invocation payload: one impression to price. */
export interface BidEvent {
  customerId: string;
  platform: string;
  /** P(conversion | impression) from the caller's own model. */
  conversionRate: number;
  /** The auction floor, CPM. */
  floorCpm?: number;
  /** The customer's recent events, newest first; the model needs some history. */
  events?: { timestampMs: number; eventType: string; eventValue: number }[];
}

/** The Lambda entry point (`handler` in the function's configuration). */
export async function handler(event: BidEvent): Promise<{ statusCode: number; body: string }> {
  await warm;
  let prediction;
  try {
    prediction = await client.prediction.predictLTV({
      customerId: event.customerId,
      platform: event.platform,
      eventHistory: (event.events ?? []).map((e) => ({ ...e, timestampMs: BigInt(e.timestampMs) })),
    });
  } catch (e) {
    // No prediction in time: the bidder falls back to its prior (or no bid).
    console.warn(`prediction failed: ${String(e)}`);
  }
  const usable = prediction && prediction.status === PredictionStatus.SUCCESS ? prediction : undefined;
  const decision = bidder.bid({
    prediction: usable,
    conversionRate: event.conversionRate,
    platform: event.platform,
    auction: { at: 1, bidfloor: event.floorCpm ?? 0 },
  });
  return {
    statusCode: 200,
    // `reason` says why, for a bid (ai_prediction, ...) and above all for a no-bid (below_floor, budget_exhausted, ...).
    body: JSON.stringify({ noBid: decision.noBid, bidCpm: decision.bidCpm, reason: decision.reason, predictedLtv: decision.predictedLtv, source: decision.source ?? null }),
  };
}
