// Guest Worker for the stale-refresh test (test/runtimes/workerd-stale-refresh.test.ts):
// one module-scope prediction client per `client` name, as a Worker keeps it
// across requests. GET /?http=<url>&client=<name>&waitUntil=1 makes one
// predictLTV call (for `customer`, with the call's own `callTimeoutMs` if
// given) and answers how it went, with the client's cache counters.
// Bundled from the source (not dist/) for workerd, so it tests the code as it
// is in the working tree.
import { createContextValues } from "@connectrpc/connect";
import {
  backgroundWaitUntil,
  Code,   ConnectError,
  createPredictionClient,
  type PredictionClient,
} from "../../../src/index-workerd.js";

interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

const clients = new Map<string, PredictionClient>();

export default {
  async fetch(request: Request, _env: unknown, ctx: Context): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get("client") ?? "";
    let client = clients.get(name);
    if (client === undefined) {
      client = createPredictionClient({
        endpoint: url.searchParams.get("http") ?? "",
        timeoutMs: Number(url.searchParams.get("timeoutMs")),
        cache: { ttlMs: Number(url.searchParams.get("ttlMs")), staleWhileRevalidateMs: Number(url.searchParams.get("staleMs")) },
      });
      clients.set(name, client);
    }
    const contextValues =
      url.searchParams.get("waitUntil") === "1" ? createContextValues().set(backgroundWaitUntil, (p: Promise<unknown>) => ctx.waitUntil(p)) : undefined;
    const customerId = url.searchParams.get("customer") ?? `customer-${name}`;
    const callTimeoutMs = url.searchParams.get("callTimeoutMs");
    try {
      const r = await client.prediction.predictLTV(
        { requestId: "r", customerId, platform: "meta", eventHistory: [{ eventType: "purchase", eventValue: 40 }] },
        { contextValues, ...(callTimeoutMs !== null ? { timeoutMs: Number(callTimeoutMs) } : {}) },
      );
      return Response.json({ ok: true, status: r.status, cache: client.metrics().cache });
    } catch (e) {
      const err = ConnectError.from(e);
      return Response.json({ ok: false, code: Code[err.code], message: err.rawMessage, cache: client.metrics().cache });
    }
  },
};
