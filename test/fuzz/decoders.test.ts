import { ConnectError, Code } from "@connectrpc/connect";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { FrameDecoder, encodeFrame } from "../../src/tcp/frame-codec.js";
import { decodeMsgpack } from "../../src/tcp/msgpack-codec.js";
import { predictionTcpBindings } from "../../src/tcp/prediction-tcp-binding.js";
import { isTcpProtocolError } from "../../src/tcp/protocol-error.js";
import { storageTcpBindings } from "../../src/tcp/storage-tcp-binding.js";

// Hostile input to the raw TCP decoders: the frame decoder, the MessagePack
// decoder and the response mappers. Every input either decodes or raises a
// typed ConnectError; nothing else escapes (no TypeError, RangeError, crash),
// and nothing allocates beyond the frame cap. Fixed seeds: the same cases run
// on every machine; a failure prints its seed and path to replay it.
const seed = 20_260_501;
const packr = new Packr({ useRecords: false, variableMapSize: true });
const bindings = [...storageTcpBindings, ...predictionTcpBindings];

/** Runs `fn`; returns the error it threw, which must be a ConnectError. */
function typedOutcome(fn: () => unknown): ConnectError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof ConnectError)) throw new Error(`untyped error escaped: ${String(e)}`);
    return e;
  }
}

describe("FrameDecoder under random chunking and lengths", () => {
  it("re-splitting valid frames anywhere yields the same payloads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const d = new FrameDecoder(1024);
          const out: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            for (const f of d.push(stream.subarray(pos, pos + n))) out.push(Uint8Array.from(f));
            pos += n;
          }
          expect(out.map((f) => Buffer.from(f).toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")));
          expect(d.pendingBytes).toBe(0);
        },
      ),
      { seed, numRuns: 1500 },
    );
  });

  it("random bytes: frames, or FrameTooLargeError before allocating; never more than the cap held", () => {
    const cap = 4096;
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 30 }), (chunks) => {
        const d = new FrameDecoder(cap);
        for (const chunk of chunks) {
          const err = typedOutcome(() => d.push(chunk));
          if (err) {
            expect(err.code).toBe(Code.Internal);
            expect(isTcpProtocolError(err)).toBe(true);
            // The decoder stays failed: the connection cannot be resynchronised.
            expect(typedOutcome(() => d.push(new Uint8Array([0])))).toBe(err);
            return;
          }
          expect(d.pendingBytes).toBeLessThanOrEqual(cap + 4);
        }
      }),
      { seed, numRuns: 3000 },
    );
  });

  it("an announced 4 GiB frame is refused from its header alone", () => {
    const d = new FrameDecoder();
    const err = typedOutcome(() => d.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3])));
    expect(err?.rawMessage).toMatch(/4294967295-byte frame/);
  });
});

/** MessagePack headers that announce far more than the input holds. */
const oversizedHeaders: number[][] = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4 G elements
  [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str32
  [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext32
  [0xdc, 0xff, 0xff], // array16
  [0xd4, 0x72, 0x00], // fixext1 of the records extension (0x72): never on this wire
  [0xc7, 0x05, 0x72, 0x90, 0x90, 0x90, 0x90, 0x90],
];

describe("decodeMsgpack on hostile bytes", () => {
  it("random bytes: a value or a TcpProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const err = typedOutcome(() => decodeMsgpack(bytes));
        if (err) expect(isTcpProtocolError(err)).toBe(true);
      }),
      { seed, numRuns: 5000 },
    );
  });

  it("every truncation of valid MessagePack: a value or a TcpProtocolError", () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4, withBigInt: true, withMap: false, withSet: false }), fc.nat(), (value, cutAt) => {
        let bytes: Uint8Array;
        try {
          bytes = packr.pack(value);
        } catch {
          return; // not encodable (e.g. bigint beyond 64 bits): not a wire value
        }
        const cut = bytes.subarray(0, cutAt % (bytes.length + 1));
        const err = typedOutcome(() => decodeMsgpack(cut));
        if (err) expect(isTcpProtocolError(err)).toBe(true);
      }),
      { seed, numRuns: 3000 },
    );
  });

  it("headers announcing gigabytes, and the records extension, fail without allocating them", () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const h of oversizedHeaders) {
      for (const prefix of [[], [0x81, 0xa1, 0x78], [0x91]]) {
        const err = typedOutcome(() => decodeMsgpack(Uint8Array.from([...prefix, ...h])));
        if (err) expect(isTcpProtocolError(err)).toBe(true);
      }
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("deep nesting (100,000 levels of arrays and maps) is a TcpProtocolError, not a stack overflow escaping", () => {
    for (const open of [0x91, 0x81]) {
      const bytes = new Uint8Array(200_001);
      for (let i = 0; i < 100_000; i++) {
        if (open === 0x91) bytes[i] = 0x91;
        else {
          bytes[2 * i] = 0x81; // map of 1: key nil... then the nested value
          bytes[2 * i + 1] = 0xc0;
        }
      }
      const err = typedOutcome(() => decodeMsgpack(bytes));
      if (err) expect(isTcpProtocolError(err)).toBe(true);
    }
  });
});

/** A value of a random MessagePack-decodable type. */
const wireValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 8 }),
);
const nested = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, wireValue, tie("array"), tie("map")),
  array: fc.array(tie("value"), { maxLength: 8 }),
  map: fc.dictionary(fc.string({ maxLength: 12 }), tie("value"), { maxKeys: 6 }),
})).value;

describe("response mappers on type-confused values", () => {
  it("each binding: a message, the server's error (Unknown), or a TcpProtocolError; nothing else", () => {
    let decoded = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...bindings),
        fc.oneof(
          nested,
          // The right variant with a body of random positional or named fields.
          fc.tuple(fc.constant("ok"), fc.array(nested, { maxLength: 14 })),
          fc.tuple(fc.constant("named"), fc.dictionary(fc.string({ maxLength: 16 }), nested, { maxKeys: 14 })),
          fc.tuple(fc.constant("error"), nested),
        ),
        (binding, shape) => {
          let value: unknown = shape;
          if (Array.isArray(shape) && shape[0] === "ok") value = { [binding.responseVariant]: shape[1] };
          if (Array.isArray(shape) && shape[0] === "named") value = { [binding.responseVariant]: shape[1] };
          if (Array.isArray(shape) && shape[0] === "error") value = { Error: shape[1] };
          const err = typedOutcome(() => binding.decodeResponse(value));
          if (!err) decoded++;
          else if (err.code !== Code.Unknown) expect(isTcpProtocolError(err), err.rawMessage).toBe(true);
        },
      ),
      { seed, numRuns: 5000 },
    );
    // The generator reaches the success path too, not only rejections.
    expect(decoded).toBeGreaterThan(0);
  });

  it("through the MessagePack decoder: random bytes framed as answers never escape untyped", () => {
    fc.assert(
      fc.property(fc.constantFrom(...bindings), fc.uint8Array({ maxLength: 256 }), (binding, bytes) => {
        typedOutcome(() => binding.decodeResponse(decodeMsgpack(bytes)));
      }),
      { seed, numRuns: 3000 },
    );
  });
});
