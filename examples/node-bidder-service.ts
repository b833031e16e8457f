/**
 * A bidder service on Node: an HTTP endpoint that prices impressions, with
 * predictions over the raw TCP binding (pooled, pipelined, warm before the
 * first request).
 *
 * POST /bid  {"customerId": "c-1", "platform": "meta", "conversionRate": 0.02, "floorCpm": 0.5,
 *             "events": [{"timestampMs": 1767225600000, "eventType": "purchase", "eventValue": 40}]}
 *   → {"noBid": false, "bidCpm": 1.23, "predictedLtv": 240, "source": "AI_PREDICTION"}
 *
 * Environment: SYNCVALUE_PREDICTION_URL (default tcp://127.0.0.1:50051),
 * SYNCVALUE_PREDICTION_HTTP_URL (optional: the same service over HTTP, for
 * runtimes that cannot pool sockets; Node uses TCP),
 * SYNCVALUE_TOKEN (optional), SYNCVALUE_TIMEOUT_MS (default 30), PORT (default 0: a free port). It prints
 * `bidder service listening http://127.0.0.1:PORT` once ready and stops
 * cleanly on SIGINT/SIGTERM.
 *
 * Run: `npx syncvalue serve` in one shell (the reference server: HTTP on 8080,
 * TCP on 50051), then `npm run build && npm run example -- node-bidder-service`.
 */
import { createServer, type IncomingMessage } from "node:http";
import { createClient, PredictionStatus } from "syncvalue";
import { createBidder } from "syncvalue/bid";

const client = createClient({
  prediction: {
    url: process.env.SYNCVALUE_PREDICTION_URL ?? "tcp://127.0.0.1:50051",
    ...(process.env.SYNCVALUE_PREDICTION_HTTP_URL ? { httpUrl: process.env.SYNCVALUE_PREDICTION_HTTP_URL } : {}),
    tcp: { pool: { min: 2, max: 8, pipelining: 4 } },
  },
  ...(process.env.SYNCVALUE_TOKEN ? { auth: { token: process.env.SYNCVALUE_TOKEN } } : {}),
  timeoutMs: Number(process.env.SYNCVALUE_TIMEOUT_MS ?? 30),
  cache: true,
});
const bidder = createBidder({ budget: { amount: 1_000, periodStart: Date.now(), periodEnd: Date.now() + 86_400_000 } });

interface BidRequest {
  customerId: string;
  platform: string;
  conversionRate: number;
  floorCpm?: number;
  events?: { timestampMs: number; eventType: string; eventValue: number }[];
}

async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error("body too large");
  }
  return JSON.parse(body);
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/bid") {
    res.writeHead(404).end();
    return;
  }
  let input: BidRequest;
  try {
    input = (await readJson(req)) as BidRequest;
  } catch {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "body: expected JSON" }));
    return;
  }
  let prediction;
  try {
    prediction = await client.prediction.predictLTV({
      customerId: input.customerId,
      platform: input.platform,
      eventHistory: (input.events ?? []).map((e) => ({ ...e, timestampMs: BigInt(e.timestampMs) })),
    });
  } catch {
    prediction = undefined; // late or failed: the bidder bids from its prior
  }
  try {
    const d = bidder.bid({
      prediction: prediction?.status === PredictionStatus.SUCCESS ? prediction : undefined,
      conversionRate: input.conversionRate,
      platform: input.platform,
      auction: { at: 1, bidfloor: input.floorCpm ?? 0 },
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ noBid: d.noBid, bidCpm: d.bidCpm, predictedLtv: d.predictedLtv, source: d.source ?? null }));
  } catch (e) {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: String(e) }));
  }
});

await client.warmup();
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  console.log(`bidder service listening http://127.0.0.1:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void client.close();
  });
}
