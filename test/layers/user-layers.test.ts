// The `layers` option: a user's own layer, placed by name in the one layer
// order, against the reference server in its own process.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PredictionClient } from "../../src/client/create-prediction-client.js";
import { LTVPredictionRequestSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { Layer } from "../../src/layers/layer.js";
import type { LayerInsertion } from "../../src/layers/layer-insertion.js";
import { layerPositions } from "../../src/layers/layer-positions.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createPredictionClient } from "../../src/node/create-prediction-client-node.js";
import { failure } from "../support/call-failure.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

let server: ReferenceServerProcess;
beforeAll(async () => {
  server = await spawnReferenceServer();
});
afterAll(async () => {
  await server?.kill();
});

const now = 1_790_000_000_000n;
const request = (customerId: string) => ({
  requestId: `r-${customerId}`,
  timestampMs: now,
  customerId,
  platform: "meta",
  eventHistory: [{ timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: 35 }],
});

/** A layer that notes the method of each unary call it sees in `seen`, then passes it on. */
function noting(seen: string[], name: string): Layer {
  return (next: Transport): Transport => ({
    unary(method, signal, timeoutMs, header, input, contextValues) {
      seen.push(`${name}:${method.name}`);
      return next.unary(method, signal, timeoutMs, header, input, contextValues);
    },
    stream: (...args) => next.stream(...args),
  });
}

const clients: [string, (layers: LayerInsertion[]) => { prediction: PredictionClient["prediction"]; close(): Promise<void> }][] = [
  ["createClient", (layers) => createClient({ prediction: server.tcpUrl, timeoutMs: 5_000, layers })],
  ["createPredictionClient", (layers) => createPredictionClient({ endpoint: server.tcpUrl, timeoutMs: 5_000, layers })],
];

for (const [name, make] of clients) {
  describe(`${name}: layers`, () => {
    it("places a layer before or after a named layer: after the cache, it sees only what the cache does not answer", async () => {
      const seen: string[] = [];
      const client = make([
        { layer: noting(seen, "outside-cache"), before: "cache" },
        { layer: noting(seen, "inside-cache"), after: "cache" },
      ]);
      try {
        const first = await client.prediction.predictLTV(request(`layers-${name}`));
        const again = await client.prediction.predictLTV(request(`layers-${name}`));
        expect(again.predictedLtv).toBe(first.predictedLtv);
        expect(seen).toEqual(["outside-cache:PredictLTV", "inside-cache:PredictLTV", "outside-cache:PredictLTV"]);
      } finally {
        await client.close();
      }
    });

    it("keeps the given order at one place, and the stack's order between places", async () => {
      const seen: string[] = [];
      const client = make([
        { layer: noting(seen, "b"), after: "metrics" },
        { layer: noting(seen, "c"), after: "metrics" },
        { layer: noting(seen, "a"), before: "metrics" },
        { layer: noting(seen, "wire"), after: "attemptTelemetry" },
        { layer: noting(seen, "top"), before: "validation" },
      ]);
      try {
        await client.prediction.getModelHealth({});
        expect(seen).toEqual(["top", "a", "b", "c", "wire"].map((n) => `${n}:GetModelHealth`));
      } finally {
        await client.close();
      }
    });

    it("changes calls: before validation it can complete a request that validation would refuse", async () => {
      const fillCustomer: Layer = (next) => ({
        unary(method, signal, timeoutMs, header, input, contextValues) {
          const message = input as { customerId?: string };
          const filled = method.name === "PredictLTV" && !message.customerId ? { ...input, customerId: "filled-in", requestId: "filled-in" } : input;
          return next.unary(method, signal, timeoutMs, header, filled, contextValues);
        },
        stream: (...args) => next.stream(...args),
      });
      const incomplete = create(LTVPredictionRequestSchema, { ...request("x"), customerId: "" });

      const before = make([{ layer: fillCustomer, before: "validation" }]);
      const after = make([{ layer: fillCustomer, after: "validation" }]);
      try {
        const answer = await before.prediction.predictLTV(incomplete);
        expect(answer.requestId).toBe("filled-in"); // the server answered the request as the layer changed it
        const refused = await failure(after.prediction.predictLTV(incomplete));
        expect(refused.code).toBe(Code.InvalidArgument);
        expect(refused.rawMessage).toMatch(/customerId/);
      } finally {
        await Promise.all([before.close(), after.close()]);
      }
    });

    it("refuses a bad layers option with InvalidArgument naming the field, before anything opens", () => {
      const layer = noting([], "x");
      const bad: [unknown, RegExp][] = [
        ["not an array", /^layers: /],
        [[null], /^layers\[0\]: /],
        [[{ layer: 42, after: "cache" }], /^layers\[0\]\.layer: /],
        [[{ layer }], /^layers\[0\]: needs exactly one of before or after/],
        [[{ layer, before: "cache", after: "retry" }], /^layers\[0\]: needs exactly one of before or after/],
        [[{ layer, after: "cache" }, { layer, after: "nonsense" }], /^layers\[1\]\.after: must name a layer position/],
        [[{ layer, before: "cache", extra: 1 }], /^layers\[0\]\.extra: /],
      ];
      for (const [layers, message] of bad) {
        let error: unknown;
        try {
          make(layers as LayerInsertion[]);
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(layers)).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code).toBe(Code.InvalidArgument);
        expect((error as ConnectError).rawMessage).toMatch(message);
      }
    });
  });
}

describe("layerPositions", () => {
  it("lists the stack outermost first, from validation to the telemetry of each attempt", () => {
    expect(layerPositions[0]).toBe("validation");
    expect(layerPositions.indexOf("cache")).toBeLessThan(layerPositions.indexOf("retry"));
    expect(layerPositions.at(-1)).toBe("attemptTelemetry");
  });
});
