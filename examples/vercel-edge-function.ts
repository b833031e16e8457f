/**
 * A Vercel edge function that returns a customer's predicted LTV.
 *
 * Vercel bundles it with the `edge-light` condition, so `syncvalue` loads its
 * edge build: Connect over `fetch`, no `node:` modules, no code generation.
 * `createPredictionClient` keeps the bundle small: validation, the deadline
 * and the cache, without createClient's storage and resilience layers (so an
 * unreachable service is a 503 here, not a local fallback answer).
 * The client lives in module scope and is reused while the isolate lives.
 *
 * Environment: SYNCVALUE_PREDICTION_URL (https://...), SYNCVALUE_TOKEN (optional),
 * SYNCVALUE_TIMEOUT_MS (default 80).
 */
import { Code, ConnectError, createPredictionClient } from "syncvalue";

/** Tells Vercel to run this function on the edge runtime. */
export const config = { runtime: "edge" };

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const client = createPredictionClient({
  endpoint: env.SYNCVALUE_PREDICTION_URL ?? "http://127.0.0.1:8080",
  ...(env.SYNCVALUE_TOKEN ? { auth: { token: env.SYNCVALUE_TOKEN } } : {}),
  timeoutMs: Number(env.SYNCVALUE_TIMEOUT_MS ?? 80),
  cache: true,
});

/** GET /api/ltv?customer=ID&platform=meta */
export default async function handler(request: Request): Promise<Response> {
  const url = new URL(request.url);
  try {
    const r = await client.prediction.predictLTV({
      customerId: url.searchParams.get("customer") ?? "",
      platform: url.searchParams.get("platform") ?? "meta",
    });
    return Response.json({ predictedLtv: r.predictedLtv, lower: r.ltvLowerBound, upper: r.ltvUpperBound, confidence: r.confidence });
  } catch (e) {
    const err = ConnectError.from(e);
    // Bad input is the caller's fault; anything else is ours.
    return Response.json({ error: err.rawMessage, code: Code[err.code] }, { status: err.code === Code.InvalidArgument ? 400 : 503 });
  }
}
