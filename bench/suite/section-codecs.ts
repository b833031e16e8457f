import { fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Packr } from "msgpackr";
import {
  LTVPredictionRequestSchema,
  LTVPredictionResponseSchema,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { decodeMessage, encodeMessage } from "../../src/protobuf-codec/index.js";
import { decodeMsgpack } from "../../src/tcp/msgpack-codec.js";
import { predictLtvTcpBinding } from "../../src/tcp/prediction-tcp-binding.js";
import { readTagged } from "../../src/tcp/tagged-value.js";
import { median } from "./quantiles.js";

/** Nanoseconds per operation and bytes of one encoding, for the request and the response. */
export interface CodecRow {
  codec: string;
  requestBytes: number;
  responseBytes: number;
  encodeRequestNs: number;
  decodeRequestNs: number;
  encodeResponseNs: number;
  decodeResponseNs: number;
}

interface Codec {
  name: string;
  encodeRequest(): Uint8Array;
  decodeRequest(bytes: Uint8Array): unknown;
  encodeResponse(): Uint8Array;
  decodeResponse(bytes: Uint8Array): unknown;
}

/**
 * Encode and decode time per message, in one process, for the sample request
 * and a real response of the reference server:
 * - the TCP binding's own codec (typed MessagePack writer; msgpackr reader plus
 *   the mapping to and from protobuf-es messages), what the TCP transport runs
 *   (requests positional), and the same with the request's fields named (the
 *   contract's written form, the opt-in `tcp.requestFields: "named"`);
 * - msgpackr plain and msgpackr with records, on the same wire-shaped values
 *   (no mapping to messages: a lower bound for a generic MessagePack path);
 * - protobuf-es binary (gRPC), our compiled protobuf codec (same bytes), and
 *   protobuf-es JSON (Connect JSON).
 * Each figure is CPU time per operation, the median of `rounds` interleaved slices.
 */
export function runCodecSection(
  request: LTVPredictionRequest,
  response: LTVPredictionResponse,
  options: { sliceMs: number; rounds: number },
): CodecRow[] {
  const binding = predictLtvTcpBinding;
  // msgpackr's rows pack the request as wire-shaped objects (named maps), as a generic MessagePack client would.
  const requestFrame = binding.encodeRequest(request, "named");
  const responseFrame = binding.encodeResponse(response);
  const requestValue = decodeMsgpack(requestFrame.subarray(4));
  const responseValue = decodeMsgpack(responseFrame.subarray(4));
  const plain = new Packr({ useRecords: false });
  const records = new Packr({ useRecords: true, structures: [] });

  const codecs: Codec[] = [
    {
      name: "syncvalue TCP codec (typed writer; msgpackr + message mapping; positional request, the default)",
      encodeRequest: () => binding.encodeRequest(request).subarray(4),
      decodeRequest: (b) => {
        const t = readTagged(decodeMsgpack(b));
        return binding.decodeRequest(t.body, t.bare);
      },
      encodeResponse: () => binding.encodeResponse(response).subarray(4),
      decodeResponse: (b) => binding.decodeResponse(decodeMsgpack(b)),
    },
    {
      // docs/wire-protocol.md: the contract's written form, field names spelled out; sent on request.
      name: "syncvalue TCP codec, named request (opt-in tcp.requestFields: \"named\")",
      encodeRequest: () => binding.encodeRequest(request, "named").subarray(4),
      decodeRequest: (b) => {
        const t = readTagged(decodeMsgpack(b));
        return binding.decodeRequest(t.body, t.bare);
      },
      encodeResponse: () => binding.encodeResponse(response).subarray(4),
      decodeResponse: (b) => binding.decodeResponse(decodeMsgpack(b)),
    },
    {
      name: "msgpackr plain (wire-shaped objects, no mapping)",
      encodeRequest: () => plain.pack(requestValue),
      decodeRequest: (b) => plain.unpack(b),
      encodeResponse: () => plain.pack(responseValue),
      decodeResponse: (b) => plain.unpack(b),
    },
    {
      name: "msgpackr with records (not allowed on the wire)",
      encodeRequest: () => records.pack(requestValue),
      decodeRequest: (b) => records.unpack(b),
      encodeResponse: () => records.pack(responseValue),
      decodeResponse: (b) => records.unpack(b),
    },
    {
      name: "protobuf-es binary (gRPC)",
      encodeRequest: () => toBinary(LTVPredictionRequestSchema, request),
      decodeRequest: (b) => fromBinary(LTVPredictionRequestSchema, b),
      encodeResponse: () => toBinary(LTVPredictionResponseSchema, response),
      decodeResponse: (b) => fromBinary(LTVPredictionResponseSchema, b),
    },
    {
      // What the lean gRPC transport on Node runs: the same bytes and messages as protobuf-es binary.
      name: "syncvalue protobuf codec (compiled; lean gRPC on Node)",
      encodeRequest: () => encodeMessage(LTVPredictionRequestSchema, request),
      decodeRequest: (b) => decodeMessage(LTVPredictionRequestSchema, b),
      encodeResponse: () => encodeMessage(LTVPredictionResponseSchema, response),
      decodeResponse: (b) => decodeMessage(LTVPredictionResponseSchema, b),
    },
    {
      name: "protobuf-es JSON (Connect JSON)",
      encodeRequest: () => new TextEncoder().encode(toJsonString(LTVPredictionRequestSchema, request)),
      decodeRequest: (b) => fromJsonString(LTVPredictionRequestSchema, new TextDecoder().decode(b)),
      encodeResponse: () => new TextEncoder().encode(toJsonString(LTVPredictionResponseSchema, response)),
      decodeResponse: (b) => fromJsonString(LTVPredictionResponseSchema, new TextDecoder().decode(b)),
    },
  ];

  // Interleaved: every (codec, operation) gets a slice of `sliceMs` per round,
  // in turn, so a busy neighbour slows all of them alike; the figure is CPU
  // time per operation (this process's user + system time), the median of the
  // rounds after a first, unrecorded warm-up round.
  const ops = codecs.flatMap((c, ci) => {
    // Records carry their structure in the first message only: encode once before measuring sizes.
    c.encodeRequest();
    c.encodeResponse();
    const req = c.encodeRequest();
    const res = c.encodeResponse();
    return [
      { ci, key: "encodeRequestNs", fn: c.encodeRequest, bytes: req.byteLength },
      { ci, key: "decodeRequestNs", fn: () => c.decodeRequest(req), bytes: req.byteLength },
      { ci, key: "encodeResponseNs", fn: c.encodeResponse, bytes: res.byteLength },
      { ci, key: "decodeResponseNs", fn: () => c.decodeResponse(res), bytes: res.byteLength },
    ] as const;
  });
  const samples = ops.map(() => [] as number[]);
  let sink = 0;
  for (let round = 0; round <= options.rounds; round++) {
    for (const [i, op] of ops.entries()) {
      const end = performance.now() + options.sliceMs;
      const cpu0 = process.cpuUsage();
      let n = 0;
      while (performance.now() < end) {
        for (let k = 0; k < 64; k++) if (op.fn() === undefined) sink++;
        n += 64;
      }
      const cpu = process.cpuUsage(cpu0);
      if (round > 0) samples[i]!.push(((cpu.user + cpu.system) * 1000) / n);
    }
  }
  if (sink === -1) console.log(sink);
  return codecs.map((c, ci) => {
    const row: CodecRow = {
      codec: c.name,
      requestBytes: ops.find((o) => o.ci === ci && o.key === "encodeRequestNs")!.bytes,
      responseBytes: ops.find((o) => o.ci === ci && o.key === "encodeResponseNs")!.bytes,
      encodeRequestNs: 0,
      decodeRequestNs: 0,
      encodeResponseNs: 0,
      decodeResponseNs: 0,
    };
    for (const [i, op] of ops.entries()) if (op.ci === ci) row[op.key] = median(samples[i]!);
    return row;
  });
}
