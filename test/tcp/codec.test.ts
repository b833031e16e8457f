import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  LearnConceptRequestSchema,
  StatsResponseSchema,
  StorageService,
  VectorSearchResponseSchema,
} from "../../src/gen/sutra/storage/storage_pb.js";
import { LTVPredictionResponseSchema, PredictionStatus, SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { FrameDecoder, FrameTooLargeError, encodeFrame } from "../../src/tcp/frame-codec.js";
import { decodeMsgpack } from "../../src/tcp/msgpack-codec.js";
import { MsgpackWriter } from "../../src/tcp/msgpack-writer.js";
import { isTcpProtocolError } from "../../src/tcp/protocol-error.js";
import { predictionTcpBindings } from "../../src/tcp/prediction-tcp-binding.js";
import { storageTcpBindings } from "../../src/tcp/storage-tcp-binding.js";
import { readTagged } from "../../src/tcp/tagged-value.js";
import { parseTcpUrl } from "../../src/tcp/tcp-url.js";

const binding = (name: string) => [...storageTcpBindings, ...predictionTcpBindings].find((b) => b.requestVariant === name)!;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const payloadOf = (frame: Uint8Array) => frame.subarray(4);

/** Deterministic PRNG so a failing split is reproducible. */
function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe("frame codec", () => {
  it("reassembles frames split and merged at every position", () => {
    const payloads = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array(300).fill(7), new Uint8Array(70_000).map((_, i) => i)];
    const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
    const rand = prng(42);
    for (let round = 0; round < 200; round++) {
      const decoder = new FrameDecoder(1 << 20);
      const got: Uint8Array[] = [];
      let pos = 0;
      while (pos < stream.length) {
        const n = 1 + Math.floor(rand() * (round % 2 ? 9 : 5000));
        got.push(...decoder.push(stream.subarray(pos, pos + n)).map((f) => f.slice()));
        pos += n;
      }
      expect(got.map(hex)).toEqual(payloads.map(hex));
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it("rejects an announced length above the cap without allocating it, and stays failed", () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(encodeFrame(new Uint8Array(1024)))).toHaveLength(1);
    // 2 GiB announced, header split over two chunks.
    expect(decoder.push(new Uint8Array([0x7f, 0xff]))).toEqual([]);
    let err: unknown;
    try {
      decoder.push(new Uint8Array([0xff, 0xff, 1, 2, 3]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect(isTcpProtocolError(err)).toBe(true);
    expect((err as FrameTooLargeError).announcedBytes).toBe(0x7fffffff);
    expect(() => decoder.push(new Uint8Array([0]))).toThrow(/above the 1024-byte cap/);
  });

  it("holds a truncated frame until the rest arrives", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(new Uint8Array([9, 8, 7, 6]));
    expect(decoder.push(frame.subarray(0, 6))).toEqual([]);
    expect(decoder.pendingBytes).toBe(6);
    expect(decoder.push(frame.subarray(6)).map(hex)).toEqual(["09080706"]);
  });
});

describe("MessagePack writer", () => {
  it("writes uint64 for safe integers above 2^32, from numbers and bigints alike", () => {
    for (const v of [2 ** 32, 1_700_000_000_123, 2 ** 53 - 1, 0x1_2345_6789]) {
      const expected = new Uint8Array(9);
      expected[0] = 0xcf;
      new DataView(expected.buffer).setBigUint64(1, BigInt(v));
      for (const input of [v, BigInt(v)]) {
        const w = new MsgpackWriter(false);
        w.int(input);
        expect(hex(w.finish()), String(input)).toBe(hex(expected));
      }
    }
  });

  it("writes float32 and float64 per call and the smallest integer marker, like rmp", () => {
    const w = new MsgpackWriter(false);
    w.float32(0.5);
    w.float64(2);
    w.int(127);
    w.int(128);
    w.int(65535);
    w.int(65536);
    w.int(-1);
    w.int(-33);
    w.int(2n ** 53n + 1n);
    w.int(-(2n ** 40n));
    expect(hex(w.finish())).toBe(
      [
        "ca3f000000",
        "cb4000000000000000",
        "7f",
        "cc80",
        "cdffff",
        "ce00010000",
        "ff",
        "d0df",
        "cf0020000000000001",
        "d3ffffff0000000000",
      ].join(""),
    );
  });

  it("writes strings of every length class that msgpackr decodes back", () => {
    for (const s of ["", "a", "é€😀", "x".repeat(31), "y".repeat(32), "z".repeat(255), "ü".repeat(200), "w".repeat(70_000)]) {
      const w = new MsgpackWriter(false);
      w.str(s);
      expect(decodeMsgpack(w.finish())).toBe(s);
    }
  });

  it("turns malformed or truncated MessagePack into a protocol error", () => {
    const rand = prng(7);
    const w = new MsgpackWriter(false);
    w.mapHeader(1);
    w.str("QueryConceptOk");
    w.arrayHeader(2);
    w.str("some text here");
    w.float32(1.5);
    const good = w.finish();
    for (let cut = 1; cut < good.length; cut++) {
      let err: unknown;
      try {
        decodeMsgpack(good.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(isTcpProtocolError(err), `cut at ${cut}`).toBe(true);
    }
    // Random garbage either decodes to something the binding rejects or throws a protocol error; never anything else.
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(1 + Math.floor(rand() * 20)).map(() => Math.floor(rand() * 256));
      try {
        binding("QueryConcept").decodeResponse(decodeMsgpack(bytes));
        throw new Error(`garbage ${hex(bytes)} was accepted`);
      } catch (e) {
        if (!isTcpProtocolError(e)) {
          // An {"Error": [...]} map is the only legal non-protocol failure, and garbage can form one only by chance.
          expect(ConnectError.from(e).code, `garbage ${hex(bytes)}: ${String(e)}`).toBe(Code.Unknown);
        }
      }
    }
  });
});

describe("storage binding bytes", () => {
  it("encodes LearnConcept as {LearnConcept: [fields in order]} by default, float32 embedding, strength and confidence", () => {
    const frame = binding("LearnConcept").encodeRequest(
      create(LearnConceptRequestSchema, { conceptId: "c", content: "t", embedding: [0.25], strength: 1, confidence: 0.5 }),
    );
    const expected = ["81", "ac" + hex(Buffer.from("LearnConcept")), "95", "a163", "a174", "91", "ca3e800000", "ca3f800000", "ca3f000000"].join("");
    expect(hex(payloadOf(frame))).toBe(expected);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0)).toBe(frame.byteLength - 4);
  });

  it("encodes LearnConcept as {LearnConcept: {named fields}} when asked (the contract's named form)", () => {
    const frame = binding("LearnConcept").encodeRequest(
      create(LearnConceptRequestSchema, { conceptId: "c", content: "t", embedding: [0.25], strength: 1, confidence: 0.5 }),
      "named",
    );
    const expected = [
      "81", "ac" + hex(Buffer.from("LearnConcept")), "85",
      "aa" + hex(Buffer.from("concept_id")), "a163",
      "a7" + hex(Buffer.from("content")), "a174",
      "a9" + hex(Buffer.from("embedding")), "91", "ca3e800000",
      "a8" + hex(Buffer.from("strength")), "ca3f800000",
      "aa" + hex(Buffer.from("confidence")), "ca3f000000",
    ].join("");
    expect(hex(payloadOf(frame))).toBe(expected);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0)).toBe(frame.byteLength - 4);
  });

  it("encodes field-less requests as bare strings: GetStats, Flush, HealthCheck", () => {
    for (const name of ["GetStats", "Flush", "HealthCheck"]) {
      const b = binding(name);
      const frame = b.encodeRequest(create(b.method.input));
      expect(decodeMsgpack(payloadOf(frame))).toBe(name);
    }
  });

  it("decodes StatsOk with 7 or 8 positional fields and as a named map; uint64 stays bigint", () => {
    const b = binding("GetStats");
    const big = 2n ** 64n - 59n;
    const seven = { StatsOk: [1, 2, 3, big, 5, 6, 7] };
    const eight = { StatsOk: [1, 2, 99, 3, big, 5, 6, 7] };
    const named = { StatsOk: { concepts: 1, edges: 2, vectors: 99, written: 3, dropped: big, pending: 5, reconciliations: 6, uptime_seconds: 7 } };
    for (const v of [seven, eight, named]) {
      expect(b.decodeResponse(v)).toEqual(
        create(StatsResponseSchema, { concepts: 1n, edges: 2n, written: 3n, dropped: big, pending: 5n, reconciliations: 6n, uptimeSeconds: 7n }),
      );
    }
    expect(() => b.decodeResponse({ StatsOk: [1, 2, 3] })).toThrow(/7 or 8 positional fields/);
  });

  it("decodes the bare FlushOk, Error as array or map, and flags unexpected variants as protocol errors", () => {
    expect((binding("Flush").decodeResponse("FlushOk") as unknown as { success: boolean }).success).toBe(true);
    for (const body of [["disk full"], { message: "disk full" }]) {
      let err: unknown;
      try {
        binding("Flush").decodeResponse({ Error: body });
      } catch (e) {
        err = e;
      }
      expect(ConnectError.from(err).code).toBe(Code.Unknown);
      expect(ConnectError.from(err).rawMessage).toBe("disk full");
      expect(isTcpProtocolError(err)).toBe(false);
    }
    for (const wrong of [{ HealthCheckOk: [true, "ok", 1] }, "Flush", 42, { a: 1, b: 2 }, { QueryConceptOk: [true] }]) {
      let err: unknown;
      try {
        binding("QueryConcept").decodeResponse(wrong);
      } catch (e) {
        err = e;
      }
      expect(isTcpProtocolError(err), JSON.stringify(wrong)).toBe(true);
      expect(ConnectError.from(err).code).toBe(Code.Internal);
    }
  });

  it("round-trips every method through client and server halves of the binding", () => {
    const vs = create(VectorSearchResponseSchema, { results: [{ conceptId: "a", similarity: Math.fround(0.3) }] });
    const b = binding("VectorSearch");
    const frame = b.encodeResponse(vs);
    // positional: {VectorSearchOk: [[["a", f32]]]}
    expect(hex(payloadOf(frame))).toBe("81ae" + hex(Buffer.from("VectorSearchOk")) + "919192a161ca" + hex(Buffer.from(new Uint8Array(new Float32Array([0.3]).buffer).reverse())));
    expect(b.decodeResponse(decodeMsgpack(payloadOf(frame)))).toEqual(vs);

    for (const bd of [...storageTcpBindings, ...predictionTcpBindings]) {
      const req = create(bd.method.input);
      const tagged = readTagged(decodeMsgpack(payloadOf(bd.encodeRequest(req))));
      expect(tagged.variant).toBe(bd.requestVariant);
      expect(bd.decodeRequest(tagged.body, tagged.bare)).toEqual(req);
      const res = bd.responseVariant === "FlushOk" ? create(bd.method.output, { success: true } as never) : create(bd.method.output);
      expect(bd.decodeResponse(decodeMsgpack(payloadOf(bd.encodeResponse(res))))).toEqual(res);
      // Named requests (the opt-in layout) decode to the same message.
      const named = readTagged(decodeMsgpack(payloadOf(bd.encodeRequest(req, "named"))));
      expect(bd.decodeRequest(named.body, named.bare)).toEqual(req);
    }
  });

  it("positional requests carry the same fields in declaration order, without the names", () => {
    const b = binding("PredictLTV");
    const events = Array.from({ length: 5 }, (_, i) => ({ timestampMs: 1_700_000_000_000n + BigInt(i), eventType: "purchase", eventValue: 10.5 + i, source: "web" }));
    const req = create(b.method.input, { requestId: "r-1", timestampMs: 1_700_000_000_000n, customerId: "c-1", platform: "meta", eventHistory: events, currentCac: 12.5, campaignId: "k", adGroupId: "g" } as never);
    const named = payloadOf(b.encodeRequest(req, "named"));
    const positional = payloadOf(b.encodeRequest(req));
    const body = readTagged(decodeMsgpack(positional)).body as unknown[];
    expect(Array.isArray(body)).toBe(true);
    const plain = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);
    expect(body.slice(0, 4).map(plain)).toEqual(["r-1", 1_700_000_000_000, "c-1", "meta"]);
    expect((body[4] as unknown[][])[0]!.slice(0, 2).map(plain)).toEqual([1_700_000_000_000, "purchase"]);
    expect(b.decodeRequest(body, false)).toEqual(req);
    // Every field name of the request and its five events is gone from the wire.
    const nameBytes = ["request_id", "timestamp_ms", "customer_id", "platform", "event_history", "current_cac", "campaign_id", "ad_group_id", "features", "metadata"].join("").length
      + 5 * ["timestamp_ms", "event_type", "event_value", "source", "attributes"].join("").length;
    expect(named.byteLength - positional.byteLength).toBeGreaterThanOrEqual(nameBytes);
    expect(new TextDecoder().decode(positional)).not.toContain("customer_id");
  });

  it("on the server side accepts named, positional and {Variant: nil}; rejects {Variant: {}} for unit variants", () => {
    const q = binding("QueryConcept");
    expect((q.decodeRequest({ concept_id: "x" }, false) as unknown as { conceptId: string }).conceptId).toBe("x");
    expect((q.decodeRequest(["x"], false) as unknown as { conceptId: string }).conceptId).toBe("x");
    expect(() => q.decodeRequest({}, false)).toThrow(/missing field concept_id/);
    expect(() => q.decodeRequest(undefined, true)).toThrow(/expected struct variant/);
    const h = binding("HealthCheck");
    expect(h.decodeRequest(undefined, true)).toEqual(create(StorageService.method.healthCheck.input));
    expect(h.decodeRequest(null, false)).toEqual(create(StorageService.method.healthCheck.input));
    expect(() => h.decodeRequest({}, false)).toThrow(/expected unit variant HealthCheck/);
  });
});

describe("prediction binding bytes", () => {
  it("answers PredictLTVOk positionally with float64 doubles, int64 as integers and status by name", () => {
    const b = binding("PredictLTV");
    const res = create(LTVPredictionResponseSchema, {
      requestId: "r",
      timestampMs: 5n,
      predictedLtv: 2,
      topFeatures: [{ name: "f", importance: 0.5, value: 1 }],
      inferenceTimeUs: 9n,
      status: PredictionStatus.FALLBACK,
    });
    const value = decodeMsgpack(payloadOf(b.encodeResponse(res))) as { PredictLTVOk: unknown[] };
    expect(value.PredictLTVOk).toEqual(["r", 5, 2, 0, 0, 0, "", [["f", 0.5, 1]], 9, "FALLBACK", ""]);
    // predicted_ltv 2.0 is a float64 (0xcb), not an integer.
    expect(hex(payloadOf(b.encodeResponse(res)))).toContain("cb4000000000000000");
    expect(b.decodeResponse(value)).toEqual(res);
    expect(() => b.decodeResponse({ PredictLTVOk: ["r", 5, 2, 0, 0, 0, "", [], 9, "NOPE", ""] })).toThrow(/unknown .*PredictionStatus variant "NOPE"/);
  });

  it("gives bigint for every 64-bit field even when the wire used a small integer", () => {
    const health = binding("GetModelHealth").decodeResponse({
      GetModelHealthOk: [true, "v", 3, 0.5, 0.5, 2n ** 60n, 1, 2, 3, 4, 5, 6],
    }) as unknown as { uptimeSeconds: bigint; predictionsToday: bigint; activeConnections: number };
    expect(health.uptimeSeconds).toBe(3n);
    expect(health.predictionsToday).toBe(2n ** 60n);
    expect(health.activeConnections).toBe(6);
    expect(SyncValueService.method.getModelHealth.output.typeName).toBe("syncvalue.v1.HealthResponse");
  });
});

describe("tcp URLs", () => {
  it("parses tcp:// and tcps:// with the default port 50051 and IPv6 literals", () => {
    expect(parseTcpUrl("tcp://db.local")).toMatchObject({ secure: false, host: "db.local", port: 50051, url: "tcp://db.local:50051" });
    expect(parseTcpUrl("tcps://[::1]:7000")).toMatchObject({ secure: true, host: "::1", port: 7000, url: "tcps://[::1]:7000" });
  });

  it("rejects other schemes, paths and bad ports with InvalidArgument naming the field", () => {
    for (const bad of ["http://x:1", "tcp://x:0", "tcp://x:65536", "tcp://x:1/path", "tcp://", "", "tcp://u@x:1"]) {
      let err: unknown;
      try {
        parseTcpUrl(bad, "url");
      } catch (e) {
        err = e;
      }
      expect(ConnectError.from(err).code, bad).toBe(Code.InvalidArgument);
      expect(ConnectError.from(err).rawMessage, bad).toMatch(/^url: /);
    }
  });
});
