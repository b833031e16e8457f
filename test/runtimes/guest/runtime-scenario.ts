// The calls every runtime makes against the reference server, through the
// built package. It returns plain JSON (bigints as strings) that the host
// test compares with the same scenario run on Node.
import type * as Syncvalue from "syncvalue";
import type * as SyncvalueBid from "syncvalue/bid";

/** Where the reference server listens. `tcpUrl` is absent until the server speaks raw TCP. */
export interface ScenarioTargets {
  httpUrl: string;
  /** An http:// URL where nothing listens. */
  deadUrl: string;
  tcpUrl?: string | undefined;
  /** Also run the TCP steps (runtimes whose createClient opens sockets). */
  useTcp: boolean;
}

/** One step's outcome: a value, or the error's code name and message. */
export type StepResult = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export interface ScenarioResult {
  runtime: string;
  steps: Record<string, StepResult>;
  unhandledRejections: string[];
}

const day = 86_400_000;
const refTime = 1_750_000_000_000;

export function predictionRequest(customerId: string, purchases: number) {
  return {
    requestId: `req-${customerId}`,
    timestampMs: BigInt(refTime),
    customerId,
    platform: "meta",
    currentCac: 12.5,
    eventHistory: Array.from({ length: purchases }, (_, i) => ({
      timestampMs: BigInt(refTime - (i + 1) * 7 * day),
      eventType: "purchase",
      eventValue: 20 + 5 * i,
    })),
  };
}

// Only what the model decides: ids, timestamps and timings vary per call.
export function predictionFields(r: Syncvalue.LTVPredictionResponse) {
  return {
    predictedLtv: r.predictedLtv,
    ltvLowerBound: r.ltvLowerBound,
    ltvUpperBound: r.ltvUpperBound,
    confidence: r.confidence,
    modelVersion: r.modelVersion,
    status: r.status,
  };
}

/** Rejections that are still unhandled, by promise. */
export interface RejectionTracker {
  /** The reasons of rejections no handler has claimed so far. */
  unhandled(): string[];
  /** Drops the rejections whose reason contains `text`. */
  forget(text: string): void;
}

interface RejectionEvent {
  promise?: Promise<unknown>;
  reason?: unknown;
  preventDefault?(): void;
}

/**
 * Tracks unhandled rejections through whatever hook the runtime offers. A
 * rejection counts only while no handler has claimed it: workerd reports one
 * as soon as a rejected promise has no handler yet and sends
 * `rejectionhandled` when one is attached a microtask later.
 */
export function trackUnhandledRejections(): RejectionTracker {
  const open = new Map<Promise<unknown> | object, string>();
  const g = globalThis as {
    addEventListener?: (type: string, listener: (e: RejectionEvent) => void) => void;
    process?: { on?(event: string, listener: (a: unknown, b?: unknown) => void): void };
  };
  if (typeof g.process?.on === "function") {
    g.process.on("unhandledRejection", (reason, promise) => open.set(promise as Promise<unknown>, String(reason)));
    g.process.on("rejectionHandled", (promise) => open.delete(promise as Promise<unknown>));
  } else if (typeof g.addEventListener === "function") {
    g.addEventListener("unhandledrejection", (e) => {
      open.set(e.promise ?? {}, String(e.reason));
      e.preventDefault?.();
    });
    g.addEventListener("rejectionhandled", (e) => {
      if (e.promise) open.delete(e.promise);
    });
  }
  return {
    unhandled: () => [...open.values()],
    forget(text) {
      for (const [promise, reason] of open) if (reason.includes(text)) open.delete(promise);
    },
  };
}

/** Runs the scenario; never throws (each step records its own failure). */
export async function runScenario(
  runtime: string,
  sv: typeof Syncvalue,
  bid: typeof SyncvalueBid,
  targets: ScenarioTargets,
  rejections: RejectionTracker,
): Promise<ScenarioResult> {
  const steps: Record<string, StepResult> = {};
  const step = async (name: string, body: () => Promise<unknown> | unknown) => {
    try {
      steps[name] = { ok: true, value: toJson(await body()) };
    } catch (e) {
      const err = sv.ConnectError.from(e);
      steps[name] = { ok: false, code: sv.Code[err.code] ?? String(err.code), message: err.rawMessage };
    }
  };
  // The tracker must see a rejection nobody handles, or its silence proves nothing.
  await step("rejectionTracking", async () => {
    const probe = Promise.reject(new Error("probe: deliberately unhandled"));
    // Runtimes report an unhandled rejection a task or more later; on a busy
    // machine that can take a while, so poll, bounded at 3 s.
    const seen = () => rejections.unhandled().some((r) => r.includes("probe: deliberately unhandled"));
    for (let waited = 0; !seen() && waited < 3_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    const detected = seen();
    probe.catch(() => undefined);
    // Not every runtime reports a late handler (Deno and edge-runtime do not): forget the probe by hand.
    rejections.forget("probe: deliberately unhandled");
    return { detected };
  });
  const tag = `${runtime}-${Math.random().toString(36).slice(2, 8)}`;

  const client = sv.createClient({ prediction: targets.httpUrl, storage: targets.httpUrl, timeoutMs: 2_000 });
  await step("warmup", () => client.warmup());
  let prediction: Syncvalue.LTVPredictionResponse | undefined;
  await step("predictLTV", async () => {
    prediction = await client.prediction.predictLTV(predictionRequest("cust-a", 4));
    return predictionFields(prediction);
  });
  await step("predictLTVBatch", async () => {
    const r = await client.prediction.predictLTVBatch({
      requests: [predictionRequest("cust-b", 1), predictionRequest("cust-c", 6), { ...predictionRequest("cust-d", 2), platform: "x" }],
    });
    return { successful: r.successful, failed: r.failed, responses: r.responses.map(predictionFields) };
  });
  await step("getModelHealth", async () => {
    const h = await client.prediction.getModelHealth({ includeMetrics: true });
    return { isHealthy: h.isHealthy, modelVersion: h.modelVersion };
  });
  await step("learnConcept", async () => {
    const r = await client.storage.learnConcept({ conceptId: `concept-${tag}`, content: "likes running shoes", embedding: [0.1, 0.9, 0.2], confidence: 0.9 });
    return { sequenceIsPositive: r.sequence > 0n };
  });
  await step("queryConcept", async () => {
    const r = await client.storage.queryConcept({ conceptId: `concept-${tag}` });
    return { found: r.found, content: r.content };
  });
  await step("cache", async () => {
    const cached = sv.createClient({ prediction: targets.httpUrl, timeoutMs: 2_000, cache: true });
    try {
      const first = await cached.prediction.predictLTV(predictionRequest("cust-cache", 3));
      const second = await cached.prediction.predictLTV(predictionRequest("cust-cache", 3));
      const { hits, misses } = cached.metrics().cache;
      return { same: JSON.stringify(predictionFields(first)) === JSON.stringify(predictionFields(second)), hits, misses };
    } finally {
      await cached.close();
    }
  });
  // The prediction-only client: the same answer, its own cache.
  await step("predictionClient", async () => {
    const lean = sv.createPredictionClient({ endpoint: targets.httpUrl, timeoutMs: 2_000 });
    try {
      const first = await lean.prediction.predictLTV(predictionRequest("cust-a", 4));
      const second = await lean.prediction.predictLTV(predictionRequest("cust-a", 4));
      const { hits, misses } = lean.metrics().cache;
      return { prediction: predictionFields(first), same: JSON.stringify(predictionFields(first)) === JSON.stringify(predictionFields(second)), hits, misses };
    } finally {
      await lean.close();
    }
  });
  await step("errorPredictionClientOption", () => sv.createPredictionClient({ endpoint: targets.httpUrl, retry: true } as never));
  await step("bid", () => {
    if (!prediction) throw new Error("no prediction to bid on");
    const bidder = bid.createBidder({
      budget: { amount: 500, periodStart: refTime - day, periodEnd: refTime + day },
      now: () => refTime,
      pacing: { controller: "none" },
      seed: 7,
    });
    const d = bidder.bid({ prediction, conversionRate: 0.02, platform: "meta", auction: { at: 2, bidfloor: 0.01 } });
    return { noBid: d.noBid, bidCpm: d.bidCpm, riskAdjustedLtv: d.riskAdjustedLtv, baseValue: d.baseValue, source: d.source ?? null };
  });
  await step("errorInvalidArgument", () => client.prediction.predictLTV({ ...predictionRequest("", 1) }));
  await step("errorBadOption", () => sv.createClient({ prediction: "ftp://127.0.0.1:1" }));
  const storageless = sv.createClient({ prediction: targets.httpUrl });
  await step("errorNoEndpoint", () => storageless.storage.getStats({}));
  await storageless.close();
  const unreachable = sv.createClient({ prediction: targets.deadUrl, timeoutMs: 2_000 });
  await step("errorUnreachable", () => unreachable.prediction.getModelHealth({}));
  await unreachable.close();
  await step("close", () => client.close());
  await step("errorAfterClose", () => client.prediction.getModelHealth({}));

  if (targets.tcpUrl) {
    // One endpoint, both URLs, only the TCP one alive: an answer means this runtime chose TCP.
    const dual = (transport?: "tcp" | "http") =>
      // No local fallback: it would answer for the dead HTTP url and hide which binding was used.
      sv.createClient({ prediction: { url: targets.tcpUrl!, httpUrl: targets.deadUrl, ...(transport ? { transport } : {}) }, timeoutMs: 2_000, fallback: false });
    await step("transportAuto", async () => {
      const c = dual();
      try {
        const r = await c.prediction.predictLTV(predictionRequest("cust-a", 4));
        return { used: r.status === sv.PredictionStatus.SUCCESS ? "tcp" : `status ${r.status}` };
      } catch {
        return { used: "http" };
      } finally {
        await c.close();
      }
    });
    await step("transportTcp", async () => {
      const c = dual("tcp");
      try {
        return predictionFields(await c.prediction.predictLTV(predictionRequest("cust-a", 4)));
      } finally {
        await c.close();
      }
    });
    await step("errorTransportOption", () => sv.createClient({ prediction: { url: targets.httpUrl, httpUrl: targets.httpUrl } }));
  }
  if (targets.useTcp && targets.tcpUrl) {
    const tcp = sv.createClient({ prediction: targets.tcpUrl, storage: targets.tcpUrl, timeoutMs: 2_000 });
    await step("tcp.warmup", () => tcp.warmup());
    await step("tcp.predictLTV", async () => predictionFields(await tcp.prediction.predictLTV(predictionRequest("cust-a", 4))));
    await step("tcp.learnConcept", async () => {
      const r = await tcp.storage.learnConcept({ conceptId: `tcp-${tag}`, content: "over tcp", embedding: [0.5, 0.5, 0.1], confidence: 0.5 });
      return { sequenceIsPositive: r.sequence > 0n };
    });
    await step("tcp.queryConcept", async () => {
      const r = await tcp.storage.queryConcept({ conceptId: `tcp-${tag}` });
      return { found: r.found, content: r.content };
    });
    await step("tcp.close", () => tcp.close());
    // The prediction-only client on tcp://: on Deno and Bun its TCP transport is loaded on first use (import()).
    await step("predictionClient.tcp", async () => {
      const lean = sv.createPredictionClient({ endpoint: targets.tcpUrl!, timeoutMs: 2_000 });
      try {
        await lean.warmup();
        const first = predictionFields(await lean.prediction.predictLTV(predictionRequest("cust-a", 4)));
        const pool = lean.metrics().pool.prediction as { connects: number } | undefined;
        return { first, poolConnects: pool !== undefined && pool.connects > 0 };
      } finally {
        await lean.close();
      }
    });
  }
  // Let stray promises settle so their rejections (if any) are reported.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { runtime, steps, unhandledRejections: rejections.unhandled() };
}

function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** The line a guest prints so the host can find its result among other output. */
export const resultPrefix = "SCENARIO_RESULT ";
