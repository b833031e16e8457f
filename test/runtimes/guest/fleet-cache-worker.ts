// Guest Worker for workerd (Miniflare): the shared prediction cache (L2) over
// @upstash/redis (HTTP). GET /?rest=<url>&token=<t>&prediction=<url>&prefix=<p>&customer=<id>
// makes one predictLTV with a fresh client (an empty L1, as a new isolate
// has) whose `cache.shared` is createRedisPredictionCache over fromUpstash,
// and answers the prediction and the counters as JSON. `wait=1` keeps the
// request open until the client's write of a miss is in Redis.
import { Redis } from "@upstash/redis/cloudflare";
import { createClient } from "syncvalue";
import { createRedisPredictionCache, fromUpstash } from "syncvalue/fleet";
import { predictionFields, predictionRequest } from "./runtime-scenario.js";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string) => url.searchParams.get(name) ?? "";
    const upstash = new Redis({ url: param("rest"), token: param("token"), responseEncoding: false, enableTelemetry: false });
    const shared = createRedisPredictionCache({ redis: fromUpstash(upstash), keyPrefix: param("prefix") });
    const client = createClient({
      prediction: param("prediction"),
      timeoutMs: 5_000,
      retry: false,
      hedging: false,
      cache: { ttlMs: 60_000, shared, sharedTimeoutMs: 2_000 },
    });
    try {
      const answer = await client.prediction.predictLTV(predictionRequest(param("customer"), 3));
      let written = false;
      if (param("wait") === "1") {
        // The write is never waited on by the call; here the request waits for it, bounded.
        for (let i = 0; i < 100 && !written; i++) {
          written = (await upstash.keys(`${param("prefix")}:*${param("customer")}`)).length > 0;
          if (!written) await new Promise((r) => setTimeout(r, 50));
        }
      }
      return Response.json({ fields: predictionFields(answer), shared: client.metrics().cache.shared, store: shared.metrics(), written });
    } finally {
      await client.close();
    }
  },
};
