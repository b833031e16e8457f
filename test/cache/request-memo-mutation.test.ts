import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomerEventSchema, LTVPredictionRequestSchema, type LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import type { Layer } from "../../src/layers/layer.js";
import type { LayerPosition } from "../../src/layers/layer-positions.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";

// The client remembers a request object it has seen before (its validation
// and its cache key) while none of its values change. These tests change
// every value of a remembered request, one at a time, and check that the
// answer is the one for the request as it is now: the server's model writes
// everything it was asked into `modelVersion`, so a stale cache key (another
// request's answer) shows as a wrong `modelVersion`.

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

type Init = MessageInitShape<typeof LTVPredictionRequestSchema>;
type Shape = Pick<LTVPredictionRequest, "customerId" | "platform" | "currentCac" | "campaignId" | "adGroupId" | "features" | "metadata" | "eventHistory">;

const sortedEntries = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Everything the answer may depend on (not `requestId` or `timestampMs`), as a string. */
function question(r: Shape): string {
  return JSON.stringify([
    r.customerId,
    r.platform,
    String(r.currentCac),
    r.campaignId,
    r.adGroupId,
    r.features.map(String),
    sortedEntries(r.metadata),
    r.eventHistory.map((e) => [String(e.timestampMs), e.eventType, String(e.eventValue), e.source, sortedEntries(e.attributes)]),
  ]);
}

function requestInit(): Init {
  return {
    requestId: "r-1",
    timestampMs: BigInt(NOW),
    customerId: "memo-customer",
    platform: "meta",
    currentCac: 25,
    campaignId: "camp-1",
    adGroupId: "ag-1",
    eventHistory: [
      { timestampMs: BigInt(NOW - 9 * DAY), eventType: "purchase", eventValue: 80, source: "web", attributes: { sku: "a" } },
      { timestampMs: BigInt(NOW - 3 * DAY), eventType: "view", eventValue: 0, source: "app" },
    ],
    features: [0.5, 1.5],
    metadata: { tier: "gold", region: "eu" },
  };
}

const event = (value: number) => create(CustomerEventSchema, { timestampMs: BigInt(NOW - DAY), eventType: "purchase", eventValue: value, source: "web" });

// Each step changes the request in place; `question` changes with every one.
const mutations: [string, (r: LTVPredictionRequest) => void][] = [
  ["customerId", (r) => (r.customerId = "memo-customer-2")],
  ["platform", (r) => (r.platform = "tiktok")],
  ["platform, case only", (r) => (r.platform = "TikTok")],
  ["currentCac", (r) => (r.currentCac = 26)],
  ["campaignId", (r) => (r.campaignId = "camp-2")],
  ["adGroupId", (r) => (r.adGroupId = "ag-2")],
  ["features[0]", (r) => (r.features[0] = 0.75)],
  ["features.push", (r) => r.features.push(3)],
  ["features.pop", (r) => r.features.pop()],
  ["features.pop to empty", (r) => r.features.splice(0)],
  ["features replaced", (r) => (r.features = [9, 8])],
  ["metadata entry added", (r) => (r.metadata.channel = "search")],
  ["metadata entry changed", (r) => (r.metadata.tier = "silver")],
  ["metadata entry deleted", (r) => delete r.metadata.region],
  ["metadata replaced", (r) => (r.metadata = { tier: "bronze" })],
  ["metadata key renamed, same value", (r) => ((r.metadata.level = r.metadata.tier!), delete r.metadata.tier)],
  ["event timestampMs", (r) => (r.eventHistory[0]!.timestampMs = BigInt(NOW - 8 * DAY))],
  ["event eventType", (r) => (r.eventHistory[1]!.eventType = "click")],
  ["event eventValue", (r) => (r.eventHistory[0]!.eventValue = 81)],
  ["event eventValue to a refund", (r) => (r.eventHistory[0]!.eventValue = -81)],
  ["event source", (r) => (r.eventHistory[1]!.source = "web")],
  ["event attribute added", (r) => (r.eventHistory[1]!.attributes.promo = "x")],
  ["event attribute changed", (r) => (r.eventHistory[0]!.attributes.sku = "b")],
  ["event attributes replaced", (r) => (r.eventHistory[0]!.attributes = { sku: "c", size: "m" })],
  ["event replaced", (r) => (r.eventHistory[0] = event(12))],
  ["eventHistory.push", (r) => r.eventHistory.push(event(7))],
  ["eventHistory.pop", (r) => r.eventHistory.pop()],
  ["eventHistory reordered", (r) => r.eventHistory.reverse()],
  ["eventHistory replaced", (r) => (r.eventHistory = [event(5)])],
  ["eventHistory emptied", (r) => (r.eventHistory.length = 0)],
];

// Each makes the remembered request invalid; `undo` puts it back.
const invalidations: [string, string, (r: LTVPredictionRequest) => () => void][] = [
  ["customerId", "customerId", (r) => swap(r, "customerId", "")],
  ["platform", "platform", (r) => swap(r, "platform", "myspace")],
  ["currentCac", "currentCac", (r) => swap(r, "currentCac", -1)],
  ["requestId", "requestId", (r) => swap(r, "requestId", 7 as never)],
  ["timestampMs", "timestampMs", (r) => swap(r, "timestampMs", -1n)],
  ["features", "features[2]", (r) => (r.features.push(Infinity), () => r.features.pop())],
  ["metadata", "metadata[\"bad\"]", (r) => ((r.metadata.bad = 5 as never), () => delete r.metadata.bad)],
  ["an event's value", "eventHistory[0].eventValue", (r) => swap(r.eventHistory[0]!, "eventValue", NaN)],
  ["an event's type", "eventHistory[1].eventType", (r) => swap(r.eventHistory[1]!, "eventType", "")],
  ["an event's attributes", "eventHistory[0].attributes[\"n\"]", (r) => ((r.eventHistory[0]!.attributes.n = 1 as never), () => delete r.eventHistory[0]!.attributes.n)],
  ["an event", "eventHistory[2]", (r) => (r.eventHistory.push(null as never), () => r.eventHistory.pop())],
];

function swap<T extends object, K extends keyof T>(o: T, k: K, v: T[K]): () => void {
  const old = o[k];
  o[k] = v;
  return () => (o[k] = old);
}

describe("a request object sent again is answered for what it holds now", () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await createServer({
      tcp: true,
      model: (req) => ({ ...predictBaselineLtv(req), modelVersion: question(req) }),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  for (const [transport, url] of [
    ["raw TCP", () => server.tcpUrl!],
    ["gRPC", () => server.url],
  ] as const) {
    it(`after each change of any field, nested event field, map entry or array (${transport})`, async () => {
      const client = createClient({ prediction: { url: url() }, timeoutMs: 5_000 });
      try {
        const request = create(LTVPredictionRequestSchema, requestInit());
        const ask = async (expectSent: boolean, step: string) => {
          const before = server.requestCount();
          const answer = await client.prediction.predictLTV(request);
          expect(answer.modelVersion, step).toBe(question(request));
          expect(answer.requestId, step).toBe(request.requestId);
          expect(server.requestCount() - before, step).toBe(expectSent ? 1 : 0);
        };
        // The first call is sent, the second records the request's values, the third and later reuse them.
        await ask(true, "first");
        for (let i = 0; i < 3; i++) await ask(false, "again");
        const seen = new Set([question(request)]);
        for (const [step, mutate] of mutations) {
          mutate(request);
          const fresh = !seen.has(question(request));
          seen.add(question(request));
          await ask(fresh, step);
          await ask(false, `${step}, again`);
          await ask(false, `${step}, and again`);
        }
        // requestId and timestampMs do not change the question: answered from the cache, with the new requestId
        // (a request object reused with a new id and time per call, as a bidder may do).
        for (let n = 2; n < 8; n++) {
          request.requestId = `r-${n}`;
          request.timestampMs = BigInt(NOW + n * 1_000);
          await ask(false, `requestId and timestampMs ${n}`);
        }
      } finally {
        await client.close();
      }
    });
  }

  it("rejects a remembered request made invalid in place, naming the field, and sends nothing", async () => {
    const client = createClient({ prediction: { url: server.tcpUrl! }, timeoutMs: 5_000 });
    try {
      const request = create(LTVPredictionRequestSchema, requestInit());
      for (let i = 0; i < 3; i++) await client.prediction.predictLTV(request);
      for (const [what, field, spoil] of invalidations) {
        const undo = spoil(request);
        const before = server.requestCount();
        const error = await client.prediction.predictLTV(request).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, what).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code, what).toBe(Code.InvalidArgument);
        expect((error as ConnectError).rawMessage.startsWith(`${field}:`), `${what}: ${(error as ConnectError).rawMessage}`).toBe(true);
        // Twice: a rejected request is not remembered as valid either.
        await expect(client.prediction.predictLTV(request), what).rejects.toMatchObject({ code: Code.InvalidArgument });
        expect(server.requestCount(), what).toBe(before);
        undo();
        const answer = await client.prediction.predictLTV(request);
        expect(answer.modelVersion, what).toBe(question(request));
      }
    } finally {
      await client.close();
    }
  });

  // The validation layer hands the cache layer the request it has just compared; code
  // that is not the client's own and runs in between may change the request first.
  for (const position of ["closedGuard", "metrics", "cache"] as const satisfies readonly LayerPosition[]) {
    it(`is answered for what it holds when a layer of the user's before "${position}" changes it on the way`, async () => {
      let change: ((r: LTVPredictionRequest) => void) | undefined;
      const changing: Layer = (next: Transport): Transport => ({
        unary(method, signal, timeoutMs, header, input, contextValues) {
          change?.(input as LTVPredictionRequest);
          change = undefined;
          return next.unary(method, signal, timeoutMs, header, input, contextValues);
        },
        stream: (...args) => next.stream(...args),
      });
      const client = createClient({ prediction: { url: server.tcpUrl! }, timeoutMs: 5_000, layers: [{ layer: changing, before: position }] });
      try {
        const request = create(LTVPredictionRequestSchema, requestInit());
        for (let i = 0; i < 3; i++) await client.prediction.predictLTV(request);
        for (const [step, mutate] of mutations.slice(0, 8)) {
          change = mutate;
          const answer = await client.prediction.predictLTV(request);
          expect(answer.modelVersion, step).toBe(question(request));
          expect((await client.prediction.predictLTV(request)).modelVersion, `${step}, again`).toBe(question(request));
        }
      } finally {
        await client.close();
      }
    });
  }

  it("is answered for what it holds when the caller's own context values change it on the way", async () => {
    const client = createClient({ prediction: { url: server.tcpUrl! }, timeoutMs: 5_000 });
    try {
      const request = create(LTVPredictionRequestSchema, requestInit());
      for (let i = 0; i < 3; i++) await client.prediction.predictLTV(request);
      const values = createContextValues();
      let change: (() => void) | undefined;
      const meddling: ContextValues = {
        get: (key) => {
          change?.();
          change = undefined;
          return values.get(key);
        },
        set: (key, value) => values.set(key, value),
        delete: (key) => values.delete(key),
      };
      change = () => (request.eventHistory[0]!.eventValue = 123);
      const answer = await client.prediction.predictLTV(request, { contextValues: meddling });
      expect(answer.modelVersion).toBe(question(request));
    } finally {
      await client.close();
    }
  });

  it("answers a plain request object (not a message) for what it holds now, call after call", async () => {
    const client = createClient({ prediction: { url: server.tcpUrl! }, timeoutMs: 5_000 });
    try {
      const init = requestInit() as Init & Shape;
      const asMessage = () => create(LTVPredictionRequestSchema, init);
      const check = async (step: string) => expect((await client.prediction.predictLTV(init)).modelVersion, step).toBe(question(asMessage()));
      for (let i = 0; i < 3; i++) await check("again");
      init.features.push(4);
      await check("features.push");
      init.eventHistory![0]!.eventValue = 99;
      await check("event eventValue");
      init.metadata!.tier = "silver";
      await check("metadata entry changed");
      init.customerId = "memo-plain-2";
      await check("customerId");
    } finally {
      await client.close();
    }
  });
});
