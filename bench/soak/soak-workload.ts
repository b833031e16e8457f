import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import type { SyncValueClient } from "../../src/client/create-client.js";
import { LTVPredictionRequestSchema, type LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../../src/model/baseline-ltv-model.js";
import { createClient } from "../../src/node/create-client-node.js";
import { measureProcess, type ProcessFigures } from "./process-figures.js";
import type { SoakOptions } from "./soak-options.js";

/**
 * The client side of the soak, in its own process so its memory and handles
 * are its own: a gRPC client and a raw TCP client (through the fault proxies)
 * each keep `concurrency` calls in flight until `calls` have been made. Every
 * answer is checked against what this call alone should get: its request id,
 * the model's value for its own customer, its own concept's content. A call
 * that neither answers nor fails within its deadline plus 5 s counts as hung.
 *
 * Talks to the orchestrator with JSON lines on stdout; waits for `settle` on
 * stdin before the fault-free recovery phase.
 */
export interface WorkloadResult {
  calls: number;
  byTransport: Record<TransportName, number>;
  ok: number;
  errorsByCode: Record<string, number>;
  /** The first message seen for each code and transport (messages never carry payloads or tokens). */
  errorSamples: Record<string, string>;
  /** Rejections that are not a ConnectError with a code and a message. */
  unclearErrors: number;
  mismatches: number;
  mismatchSamples: string[];
  hung: number;
  ackedWrites: number;
  failedWrites: number;
  settle: { calls: number; failures: number; firstSuccessMs: Record<TransportName, number> };
  before: ProcessFigures;
  after: ProcessFigures;
  closed: ProcessFigures;
  seconds: number;
  stoppedByTime: boolean;
}

type TransportName = "tcp" | "grpc";

const timestampMs = 1_790_000_000_000n;
const transports = ["tcp", "grpc"] as const;
/** Pause of a worker after a failed call (a real bidder's next call comes with the next auction). */
const pauseAfterErrorMs = 20;
/** Pipelined, and quick to shed connections the load no longer needs, so before/after figures compare like with like. */
const tcpPool = { min: 2, max: 16, pipelining: 8, idleTimeoutMs: 1000 };
/** Wait before measuring: surplus idle connections close (tcpPool.idleTimeoutMs) and closed sockets are reaped. */
const quietMs = 2500;
const platforms = ["google_ads", "meta", "tiktok", "linkedin", "amazon", "tradedesk", "x"];

/** A deterministic 32-bit hash of (seed, n): the operation mix without shared state. */
function hash(seed: number, n: number): number {
  let h = (seed * 0x9e3779b1) ^ n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function predictionRequest(id: string, n: number) {
  const events = 1 + (n % 4);
  return {
    requestId: id,
    timestampMs,
    customerId: `cust-${n % 5000}`,
    platform: platforms[n % platforms.length]!,
    currentCac: (n % 50) + 0.5,
    eventHistory: Array.from({ length: events }, (_, i) => ({
      timestampMs: timestampMs - BigInt((i + 1) * 86_400_000 + (n % 1000)),
      eventType: i === 0 ? "purchase" : "view",
      eventValue: ((n * 7 + i * 13) % 200) + 0.25,
    })),
  };
}

/** What the server's model must answer for this request: computed here, independently of the wire. */
function expectedLtv(request: ReturnType<typeof predictionRequest>): number {
  return predictBaselineLtv(create(LTVPredictionRequestSchema, request) as LTVPredictionRequest).predictedLtv;
}

export async function runSoakClient(o: SoakOptions): Promise<void> {
  const send = (msg: object) => process.stdout.write(`${JSON.stringify(msg, (_k, v) => (typeof v === "bigint" ? String(v) : v))}\n`);
  const wire = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: o.timeoutMs } as const;
  const clients: Record<TransportName, SyncValueClient> = {
    tcp: createClient({
      ...wire,
      prediction: { url: o.tcpUrl, tcp: { pool: tcpPool } },
      storage: { url: o.tcpUrl, tcp: { pool: tcpPool } },
    }),
    grpc: createClient({ ...wire, prediction: o.grpcUrl, storage: o.grpcUrl }),
  };

  const acked: number[] = [];
  const r: WorkloadResult = {
    calls: 0,
    byTransport: { tcp: 0, grpc: 0 },
    ok: 0,
    errorsByCode: {},
    errorSamples: {},
    unclearErrors: 0,
    mismatches: 0,
    mismatchSamples: [],
    hung: 0,
    ackedWrites: 0,
    failedWrites: 0,
    settle: { calls: 0, failures: 0, firstSuccessMs: { tcp: -1, grpc: -1 } },
    before: measureProcess(),
    after: measureProcess(),
    closed: measureProcess(),
    seconds: 0,
    stoppedByTime: false,
  };
  const mismatch = (what: string) => {
    r.mismatches++;
    if (r.mismatchSamples.length < 10) r.mismatchSamples.push(what);
  };

  /** One call of operation n; resolves true when it succeeded with its own correct answer. */
  async function one(t: TransportName, n: number): Promise<boolean> {
    const c = clients[t];
    const op = hash(o.seed, n) % 100;
    if (op < 50 || (op >= 80 && acked.length === 0)) {
      const req = predictionRequest(`r-${n}`, n);
      const res = await c.prediction.predictLTV(req);
      if (res.requestId !== req.requestId) return mismatch(`${t} predictLTV ${req.requestId} answered for ${res.requestId}`), false;
      if (res.predictedLtv !== expectedLtv(req)) return mismatch(`${t} predictLTV ${req.requestId}: another customer's value`), false;
      return true;
    }
    if (op < 55) {
      const reqs = [0, 1, 2].map((j) => predictionRequest(`b-${n}-${j}`, n * 3 + j));
      const res = await c.prediction.predictLTVBatch({ requests: reqs });
      if (res.responses.length !== reqs.length) return mismatch(`${t} batch b-${n}: ${res.responses.length} answers`), false;
      for (let j = 0; j < reqs.length; j++) {
        if (res.responses[j]!.requestId !== reqs[j]!.requestId || res.responses[j]!.predictedLtv !== expectedLtv(reqs[j]!)) {
          return mismatch(`${t} batch b-${n}[${j}] answered for ${res.responses[j]!.requestId}`), false;
        }
      }
      return true;
    }
    if (op < 80) {
      const conceptId = `k-${o.seed}-${n}`;
      try {
        const res = await c.storage.learnConcept({ conceptId, content: `content of ${n}`, embedding: [(n % 7) / 7, 1], strength: 0.5, confidence: 0.5 });
        if (typeof res.sequence !== "bigint" || res.sequence <= 0n) return mismatch(`${t} learnConcept ${conceptId}: sequence ${res.sequence}`), false;
        acked.push(n);
        return true;
      } catch (e) {
        r.failedWrites++;
        throw e;
      }
    }
    const k = acked[hash(o.seed + 1, n) % acked.length]!;
    const conceptId = `k-${o.seed}-${k}`;
    const res = await c.storage.queryConcept({ conceptId });
    // An acknowledged write survives kills (the server journals before answering).
    if (!res.found) return mismatch(`${t} queryConcept ${conceptId}: acknowledged write not found`), false;
    if (res.conceptId !== conceptId || res.content !== `content of ${k}`) {
      return mismatch(`${t} queryConcept ${conceptId} answered with ${res.conceptId}`), false;
    }
    return true;
  }

  const hangMs = o.timeoutMs + 5000;
  /** Runs one call under the hang watchdog and books its outcome. */
  async function booked(t: TransportName, n: number, bookErrors: boolean): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), hangMs)));
    const call = one(t, n).then(
      (ok) => ({ ok }),
      (e: unknown) => ({ error: e }),
    );
    const outcome = await Promise.race([call, hang]);
    clearTimeout(timer);
    if (outcome === "hung") {
      r.hung++;
      return false;
    }
    if ("ok" in outcome) {
      if (outcome.ok && bookErrors) r.ok++;
      return outcome.ok;
    }
    if (bookErrors) {
      const e = outcome.error;
      if (e instanceof ConnectError && e.rawMessage.length > 0) {
        const name = Code[e.code];
        r.errorsByCode[name] = (r.errorsByCode[name] ?? 0) + 1;
        r.errorSamples[`${t} ${name}`] ??= e.rawMessage.slice(0, 160);
      } else {
        r.unclearErrors++;
        if (r.mismatchSamples.length < 10) r.mismatchSamples.push(`unclear error: ${String(e)}`);
      }
    }
    return false;
  }

  // Warm: connections open, code paths compiled, then the baseline figures.
  await Promise.all([clients.tcp.warmup(), clients.grpc.warmup()]);
  let warm = 0;
  // At full concurrency, so the pools have grown to what the load needs before the baseline.
  for (let round = 0; round < 10; round++) {
    await Promise.all(
      transports.flatMap((t, ti) =>
        Array.from({ length: o.concurrency }, (_, i) => booked(t, 10_000_000 + ti * 1_000_000 + round * 10_000 + i, false).then((ok) => void (ok && warm++))),
      ),
    );
  }
  await new Promise((res) => setTimeout(res, quietMs));
  r.before = measureProcess();
  send({ type: "warm", warm });

  // The faulted phase.
  const started = Date.now();
  const deadline = started + o.maxSeconds * 1000;
  let next = 0;
  let lastProgress = started;
  const worker = async (t: TransportName) => {
    while (next < o.calls) {
      if (Date.now() > deadline) {
        r.stoppedByTime = true;
        return;
      }
      const n = next++;
      r.calls++;
      r.byTransport[t]++;
      // A bidder moves on to the next auction, which arrives over I/O: after a
      // fast failure, do not spin through the budget in one microtask storm.
      if (!(await booked(t, n, true))) await new Promise((res) => setTimeout(res, pauseAfterErrorMs));
      const now = Date.now();
      if (now - lastProgress >= 2000) {
        lastProgress = now;
        send({ type: "progress", calls: r.calls, ok: r.ok, errors: r.calls - r.ok - r.mismatches - r.hung, mismatches: r.mismatches, hung: r.hung, seconds: (now - started) / 1000 });
      }
    }
  };
  await Promise.all((["tcp", "grpc"] as const).flatMap((t) => Array.from({ length: o.concurrency }, () => worker(t))));
  r.seconds = (Date.now() - started) / 1000;
  r.ackedWrites = acked.length;
  send({ type: "calls-done", calls: r.calls });

  // Fault-free recovery: the orchestrator has stopped the faults and the server is up.
  await new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once("line", () => {
      rl.close();
      resolve();
    });
  });
  const settleStart = Date.now();
  for (const [ti, t] of transports.entries()) {
    for (let i = 0; i < 300 && Date.now() - settleStart < 20_000; i++) {
      if (await booked(t, 20_000_000 + ti * 1_000_000 + i, false)) {
        r.settle.firstSuccessMs[t] = Date.now() - settleStart;
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  for (let round = 0; round < 10; round++) {
    const outcomes = await Promise.all(transports.flatMap((t, ti) => Array.from({ length: 50 }, (_, i) => booked(t, 30_000_000 + ti * 1_000_000 + round * 100 + i, false))));
    r.settle.calls += outcomes.length;
    r.settle.failures += outcomes.filter((ok) => !ok).length;
  }
  await new Promise((res) => setTimeout(res, quietMs));
  r.after = measureProcess();
  await Promise.all([clients.tcp.close(), clients.grpc.close()]);
  await new Promise((res) => setTimeout(res, 500));
  r.closed = measureProcess();
  writeFileSync(o.ackedFile, acked.map((n) => `k-${o.seed}-${n}`).join("\n"));
  send({ type: "result", result: r });
}
