/**
 * A Cloudflare Worker that prices an impression from an LTV prediction.
 *
 * In Workers, `syncvalue` loads its `workerd` build: Connect over `fetch`
 * (HTTP) by default, since a Worker cannot keep sockets across requests. The
 * client lives in module scope, per isolate, so its response cache serves many
 * requests; it is created on the first request because `env` only arrives then.
 * Each call hands the request's `ctx.waitUntil` to the cache, so that a stale
 * answer's background refresh is not cancelled when the Worker has answered.
 *
 * wrangler.toml: `main = "examples/cloudflare-worker.ts"`, and the vars
 * SYNCVALUE_PREDICTION_URL (https://...) and SYNCVALUE_TOKEN (a secret).
 */
import { createContextValues } from "@connectrpc/connect";
import { backgroundWaitUntil, createClient, type SyncValueClient } from "syncvalue";
import { createBidder, type Bidder } from "syncvalue/bid";

/** The Worker's bindings. */
export interface Env {
  SYNCVALUE_PREDICTION_URL: string;
  SYNCVALUE_TOKEN?: string;
  /** The prediction deadline in ms. Default 50. */
  SYNCVALUE_TIMEOUT_MS?: string;
}

let client: SyncValueClient | undefined;
let bidder: Bidder | undefined;

function clientFor(env: Env): SyncValueClient {
  client ??= createClient({
    prediction: env.SYNCVALUE_PREDICTION_URL,
    ...(env.SYNCVALUE_TOKEN ? { auth: { token: env.SYNCVALUE_TOKEN } } : {}),
    timeoutMs: Number(env.SYNCVALUE_TIMEOUT_MS ?? 50),
    cache: true,
  });
  return client;
}

/** What the Worker's handler gets as its third argument (the part used here). */
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    // POST {"customerId", "platform", "events": [{"timestampMs", "eventType", "eventValue"}]}
    let input: { customerId?: string; platform?: string; events?: { timestampMs: number; eventType: string; eventValue: number }[] };
    try {
      input = await request.json();
    } catch {
      return Response.json({ error: "body: expected JSON" }, { status: 400 });
    }
    const { customerId, platform = "meta", events = [] } = input;
    if (!customerId) return Response.json({ error: "customerId: required" }, { status: 400 });
    // Per-isolate budget state; a real deployment keeps it in a Durable Object.
    bidder ??= createBidder({ budget: { amount: 100, periodStart: Date.now(), periodEnd: Date.now() + 86_400_000 } });
    let prediction;
    try {
      prediction = await clientFor(env).prediction.predictLTV(
        { customerId, platform, eventHistory: events.map((e) => ({ ...e, timestampMs: BigInt(e.timestampMs) })) },
        { contextValues: createContextValues().set(backgroundWaitUntil, (p) => ctx.waitUntil(p)) },
      );
    } catch {
      prediction = undefined; // no prediction in time: the bidder uses its prior
    }
    const decision = bidder.bid({ prediction, conversionRate: 0.01, platform, auction: { at: 1 } });
    return Response.json({ noBid: decision.noBid, bidCpm: decision.bidCpm, predictedLtv: decision.predictedLtv });
  },
};
