import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { unpack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponseSchema, LearnConceptResponseSchema } from "../../src/gen/sutra/storage/storage_pb.js";
import { HealthResponseSchema, LTVBatchResponseSchema, LTVPredictionResponseSchema, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { predictionTcpBindings } from "../../src/tcp/prediction-tcp-binding.js";
import { storageTcpBindings } from "../../src/tcp/storage-tcp-binding.js";

// A raw TCP server of our own that misbehaves as planned: it answers the
// first of two pipelined requests twice, answers a batch short, or answers
// with a frame under the 16 MiB cap holding a million-entry map (or array,
// or deep nesting). The client must never resolve a call with another
// call's answer, and must refuse the huge frame before decoding it, without
// blocking its event loop for long.
type Plan = "duplicate-first" | "short-batch" | "huge-map" | "huge-array" | "deep" | "ok";
let plan: Plan = "ok";
let sequence = 0n;
const sockets = new Set<net.Socket>();
let server: net.Server;
let url: string;

const binding = (variant: string) => [...predictionTcpBindings, ...storageTcpBindings].find((b) => b.requestVariant === variant)!;

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.byteLength);
  out.writeUInt32BE(payload.byteLength, 0);
  out.set(payload, 4);
  return out;
}

/**
 * Health checks (what `warmup()` sends to verify an endpoint) are answered
 * as a healthy server would, and are not counted by the planned faults.
 */
function healthAnswer(request: Record<string, unknown> | string): Uint8Array | undefined {
  if (request === "HealthCheck") return binding("HealthCheck").encodeResponse(create(HealthCheckResponseSchema, { healthy: true, status: "ok" }));
  if (typeof request === "object" && "GetModelHealth" in request) {
    return binding("GetModelHealth").encodeResponse(create(HealthResponseSchema, { isHealthy: true }));
  }
  return undefined;
}

/**
 * A request field as serde reads it: from a named map by its name, or from a
 * positional array by its place in declaration order (`index`).
 */
function field(struct: unknown, name: string, index: number): unknown {
  return Array.isArray(struct) ? struct[index] : (struct as Record<string, unknown>)[name];
}

/** The good answer to one decoded request `{Variant: {fields}}` or `{Variant: [fields]}`. */
function answer(request: Record<string, unknown>): Uint8Array {
  const [variant, body] = Object.entries(request)[0]!;
  const b = binding(variant);
  if (variant === "PredictLTV") return b.encodeResponse(create(LTVPredictionResponseSchema, { requestId: String(field(body, "request_id", 0)), predictedLtv: 3 }));
  if (variant === "LearnConcept") return b.encodeResponse(create(LearnConceptResponseSchema, { sequence: ++sequence }));
  const requests = field(body, "requests", 0) as unknown[];
  const responses = requests.map((r) => create(LTVPredictionResponseSchema, { requestId: String(field(r, "request_id", 0)) }));
  if (plan === "short-batch") responses.pop();
  return b.encodeResponse(create(LTVBatchResponseSchema, { responses, totalProcessed: responses.length }));
}

/** `{"PredictLTVOk": <value>}` where the value is built by `body`, as raw MessagePack. */
function hugeAnswer(kind: "huge-map" | "huge-array" | "deep"): Buffer {
  const n = 1_000_000;
  const head = Buffer.from([0x81, 0xac, ...Buffer.from("PredictLTVOk")]);
  if (kind === "deep") return frame(Buffer.concat([head, Buffer.alloc(n, 0x91), Buffer.from([0xc0])]));
  const entries = Buffer.alloc(kind === "huge-map" ? n * 9 : n);
  if (kind === "huge-map") {
    for (let i = 0; i < n; i++) {
      entries[i * 9] = 0xa7; // fixstr of 7
      entries.write(`k${String(i).padStart(6, "0")}`, i * 9 + 1, "latin1");
      entries[i * 9 + 8] = i & 0x7f;
    }
  } else {
    entries.fill(0x01);
  }
  const size = Buffer.alloc(5);
  size[0] = kind === "huge-map" ? 0xdf : 0xdd;
  size.writeUInt32BE(n, 1);
  return frame(Buffer.concat([head, size, entries]));
}

// Built once, before any timing: the test's own server shares the client's event loop.
const huge = new Map<Plan, Buffer>();

beforeAll(async () => {
  for (const kind of ["huge-map", "huge-array", "deep"] as const) huge.set(kind, hugeAnswer(kind));
  server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    let buffered = Buffer.alloc(0);
    const pending: Array<Record<string, unknown> | string> = [];
    let answered = 0;
    s.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const len = buffered.readUInt32BE(0);
        pending.push(unpack(buffered.subarray(4, 4 + len)) as Record<string, unknown> | string);
        buffered = buffered.subarray(4 + len);
      }
      // Planned faults wait for two pipelined requests, so both are in flight when the answers come.
      if (plan === "duplicate-first" && answered === 0 && pending.length < 2) return;
      while (pending.length > 0) {
        const request = pending.shift()!;
        const health = healthAnswer(request);
        if (health) {
          s.write(health);
          continue;
        }
        if (typeof request === "string") throw new Error(`unexpected bare request ${request}`);
        if (plan === "huge-map" || plan === "huge-array" || plan === "deep") {
          s.write(huge.get(plan)!);
          continue;
        }
        const bytes = answer(request);
        s.write(bytes);
        if (plan === "duplicate-first" && answered === 0) s.write(bytes);
        answered++;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const bare = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 5000 } as const;
// One connection, two requests pipelined on it.
const tcp = { pool: { min: 1, max: 1, pipelining: 2, backoffBaseMs: 1, backoffMaxMs: 1 } };
const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error: error as { code: Code; rawMessage: string } }));

describe("raw TCP answers are checked against what their request echoes", () => {
  it("a duplicated prediction answer fails the connection; the second caller never gets the first one's answer", async () => {
    const client = createClient({ ...bare, prediction: { url, tcp } });
    try {
      await client.warmup();
      plan = "duplicate-first";
      const [first, second] = await Promise.all([
        settle(client.prediction.predictLTV({ requestId: "dup-1", customerId: "c", platform: "meta" })),
        settle(client.prediction.predictLTV({ requestId: "dup-2", customerId: "c", platform: "meta" })),
      ]);
      expect(first.value?.requestId).toBe("dup-1");
      expect(second.value).toBeUndefined();
      expect(["Internal", "Unavailable"]).toContain(Code[second.error!.code]);
      expect(second.error!.rawMessage).toMatch(/out of step/);
      plan = "ok";
      expect((await client.prediction.predictLTV({ requestId: "after", customerId: "c", platform: "meta" })).requestId).toBe("after");
    } finally {
      plan = "ok";
      await client.close();
    }
  });

  it("a duplicated write acknowledgement (LearnConcept) fails the connection, never acknowledging the second write", async () => {
    const client = createClient({ ...bare, storage: { url, tcp } });
    try {
      await client.warmup();
      plan = "duplicate-first";
      const [first, second] = await Promise.all([
        settle(client.storage.learnConcept({ conceptId: "w-1", content: "a", strength: 1, confidence: 1 })),
        settle(client.storage.learnConcept({ conceptId: "w-2", content: "b", strength: 1, confidence: 1 })),
      ]);
      expect(first.value?.sequence).toBeGreaterThan(0n);
      expect(second.value).toBeUndefined();
      expect(Code[second.error!.code]).toBe("Internal");
      expect(second.error!.rawMessage).toMatch(/sequence acknowledged twice/);
    } finally {
      plan = "ok";
      await client.close();
    }
  });

  it("a batch answered short is Internal, not answers shifted onto the wrong requests", async () => {
    const client = createClient({ ...bare, prediction: { url, tcp } });
    try {
      plan = "short-batch";
      const requests = ["b-1", "b-2", "b-3"].map((requestId) => ({ requestId, customerId: "c", platform: "meta" }));
      const { error } = await settle(client.prediction.predictLTVBatch({ requests }));
      expect(Code[error!.code]).toBe("Internal");
      expect(error!.rawMessage).toMatch(/2 responses to a batch of 3/);
    } finally {
      plan = "ok";
      await client.close();
    }
  });
});

describe("raw TCP answers beyond the contract's bounds are refused before decoding", () => {
  for (const kind of ["huge-map", "huge-array", "deep"] as const) {
    it(`${kind}: Internal, and the event loop stays responsive`, async () => {
      const client = createClient({ ...bare, prediction: { url, tcp } });
      // The longest gap between ticks of a 5 ms interval while the answer arrives and is handled.
      let last = performance.now();
      let worstGap = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
      }, 5);
      try {
        plan = kind;
        const started = performance.now();
        const { error } = await settle(client.prediction.predictLTV({ requestId: "big", customerId: "c", platform: "meta" }));
        expect(Code[error!.code]).toBe("Internal");
        expect(error!.rawMessage).toMatch(/beyond the contract's bounds/);
        expect(performance.now() - started).toBeLessThan(5000);
        // Generous for a loaded machine; decoding the million entries blocked it for seconds.
        expect(worstGap).toBeLessThan(1000);
      } finally {
        clearInterval(ticker);
        plan = "ok";
        await client.close();
      }
    }, 20_000);
  }
});
