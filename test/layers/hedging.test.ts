// The hedging layer (src/layers/hedging-transport.ts) against an in-process reference server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { request } from "./prediction-request.js";


describe("hedging", () => {
  let server: ReferenceServer;
  let calls = 0;
  beforeAll(async () => {
    server = await createServer({
      model: async (req) => {
        // The first attempt is slow; the hedge is not.
        if (calls++ === 0) await new Promise((r) => setTimeout(r, 1_000));
        return predictBaselineLtv(req);
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("sends a second attempt after the delay and takes the first answer", async () => {
    const events: string[] = [];
    const client = createClient({
      prediction: server.url,
      timeoutMs: 5_000,
      cache: false,
      hedging: { delayMs: 30 },
      onEvent: (e) => events.push(e.type),
    });
    try {
      const before = server.requestCount();
      const answer = await client.prediction.predictLTV(request("hedged", "r-1"));
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
      expect(server.requestCount()).toBe(before + 2);
      const m = client.metrics();
      expect(m.hedges).toBe(1);
      expect(m.hedgeWins).toBe(1);
      expect(events).toContain("hedge");
    } finally {
      await client.close();
    }
  });
});
