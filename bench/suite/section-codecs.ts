import { fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Packr } from "msgpackr";
import {
  LTVPredictionRequestSchema,
  LTVPredictionResponseSchema,
  type LTVPredictionRequest,
  type LTVPredictionResponse,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
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
 *   the mapping to and from protobuf-es messages), what the TCP transport runs;
 * - msgpackr plain and msgpackr with records, on the same wire-shaped values
 *   (no mapping to messages: a lower bound for a generic MessagePack path);
 * - protobuf-es binary (gRPC) and protobuf-es JSON (Connect JSON).
 * Each figure is the median of `rounds` timed loops of `iterations`.
 */
export function runCodecSection(
  request: LTVPredictionRequest,
  response: LTVPredictionResponse,
  options: { iterations: number; rounds: number },
): CodecRow[] {
  const binding = predictLtvTcpBinding;
  const requestFrame = binding.encodeRequest(request);
  const responseFrame = binding.encodeResponse(response);
  const requestValue = decodeMsgpack(requestFrame.subarray(4));
  const responseValue = decodeMsgpack(responseFrame.subarray(4));
  const plain = new Packr({ useRecords: false });
  const records = new Packr({ useRecords: true, structures: [] });

  const codecs: Codec[] = [
    {
      name: "syncvalue TCP codec (typed writer; msgpackr + message mapping)",
      encodeRequest: () => binding.encodeRequest(request).subarray(4),
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
      name: "protobuf-es JSON (Connect JSON)",
      encodeRequest: () => new TextEncoder().encode(toJsonString(LTVPredictionRequestSchema, request)),
      decodeRequest: (b) => fromJsonString(LTVPredictionRequestSchema, new TextDecoder().decode(b)),
      encodeResponse: () => new TextEncoder().encode(toJsonString(LTVPredictionResponseSchema, response)),
      decodeResponse: (b) => fromJsonString(LTVPredictionResponseSchema, new TextDecoder().decode(b)),
    },
  ];

  const time = (fn: () => unknown): number => {
    const samples: number[] = [];
    let sink = 0;
    for (let round = 0; round <= options.rounds; round++) {
      const t0 = performance.now();
      for (let i = 0; i < options.iterations; i++) if (fn() === undefined) sink++;
      const ns = ((performance.now() - t0) * 1e6) / options.iterations;
      if (round > 0) samples.push(ns); // round 0 warms the JIT
    }
    if (sink === -1) console.log(sink);
    return median(samples);
  };

  return codecs.map((c) => {
    // Records carry their structure in the first message only: encode once before measuring sizes.
    c.encodeRequest();
    c.encodeResponse();
    const req = c.encodeRequest();
    const res = c.encodeResponse();
    return {
      codec: c.name,
      requestBytes: req.byteLength,
      responseBytes: res.byteLength,
      encodeRequestNs: time(c.encodeRequest),
      decodeRequestNs: time(() => c.decodeRequest(req)),
      encodeResponseNs: time(c.encodeResponse),
      decodeResponseNs: time(() => c.decodeResponse(res)),
    };
  });
}
