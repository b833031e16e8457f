import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  HealthResponseSchema,
  LTVPredictionResponseSchema,
  type HealthResponse,
  type LTVPredictionResponse,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictionTcpBindings, predictLtvTcpBinding } from "../../src/tcp/prediction-tcp-binding.js";

/**
 * The near-free server's answers: one `LTVPredictionResponse` encoded once per
 * binding, with only its `request_id` spliced in per call. Clients check that
 * a prediction echoes its request's `request_id` (`src/tcp/answer-echo.ts`:
 * answers on a TCP connection are matched first in, first out), so the server
 * copies the request's id bytes as they came, without decoding the request.
 *
 * Each function takes one request (the bytes after the TCP frame header or the
 * gRPC envelope, or the Connect body) and returns the whole answer, or
 * `undefined` when the request is not a `PredictLTV` it can read.
 */
export interface NearFreeAnswers {
  /**
   * Raw TCP: a frame's payload to the whole answer frame (length prefix
   * included): `PredictLTVOk` with the request's id, or the fixed
   * `GetModelHealthOk` (the SDK's `warmup()` asks for it).
   */
  tcp(payload: Uint8Array): Uint8Array | undefined;
  /** gRPC: the method path and the request's protobuf message to the enveloped response message. */
  grpc(path: string, message: Uint8Array): Uint8Array | undefined;
  /** Connect JSON: the request body to the response body (`PredictLTV` only). */
  connectJson(body: string): string | undefined;
  /** Connect binary (`application/proto`): the request body to the response body (`PredictLTV` only). */
  connectProto(body: Uint8Array): Uint8Array | undefined;
}

/** gRPC paths of the two methods answered. */
export const nearFreeGrpcPaths = {
  predictLtv: "/syncvalue.v1.SyncValueService/PredictLTV",
  getModelHealth: "/syncvalue.v1.SyncValueService/GetModelHealth",
} as const;

const utf8 = new TextEncoder();
const predictLtv = utf8.encode("PredictLTV");
const getModelHealth = utf8.encode("GetModelHealth");
/** The `request_id` key of a named request, as a fixstr. */
const requestIdKey = Uint8Array.from([0xaa, ...utf8.encode("request_id")]);

/** The MessagePack string at `at`: where its header starts, its bytes start and end; undefined if there is none. */
function msgpackStr(b: Uint8Array, at: number): { at: number; start: number; end: number } | undefined {
  const t = b[at];
  if (t === undefined) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let start = -1;
  let length = 0;
  if (t >= 0xa0 && t <= 0xbf) [start, length] = [at + 1, t & 0x1f];
  else if (t === 0xd9 && at + 1 < b.length) [start, length] = [at + 2, b[at + 1]!];
  else if (t === 0xda && at + 2 < b.length) [start, length] = [at + 3, view.getUint16(at + 1)];
  else if (t === 0xdb && at + 4 < b.length) [start, length] = [at + 5, view.getUint32(at + 1)];
  return start >= 0 && start + length <= b.length ? { at, start, end: start + length } : undefined;
}

/** The MessagePack map or array header at `at`: its kind and where its first element starts. */
function containerAt(b: Uint8Array, at: number): { kind: "map" | "array"; first: number } | undefined {
  const t = b[at];
  if (t === undefined) return undefined;
  if (t >= 0x80 && t <= 0x8f) return { kind: "map", first: at + 1 };
  if (t >= 0x90 && t <= 0x9f) return { kind: "array", first: at + 1 };
  if (t === 0xde) return { kind: "map", first: at + 3 };
  if (t === 0xdf) return { kind: "map", first: at + 5 };
  if (t === 0xdc) return { kind: "array", first: at + 3 };
  if (t === 0xdd) return { kind: "array", first: at + 5 };
  return undefined;
}

function bytesEqual(b: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[start + i] !== expected[i]) return false;
  return true;
}

function indexOf(b: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= b.length; i++) {
    for (let j = 0; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A TCP request's variant (a bare string, or a one-entry map from it to the body), and where its body starts (-1: bare). */
function tcpVariant(payload: Uint8Array): { variant: "PredictLTV" | "GetModelHealth" | undefined; body: number } {
  const outer = containerAt(payload, 0);
  const name = msgpackStr(payload, outer?.kind === "map" ? outer.first : 0);
  if (!name) return { variant: undefined, body: -1 };
  const variant = bytesEqual(payload, name.start, name.end, predictLtv) ? "PredictLTV" : bytesEqual(payload, name.start, name.end, getModelHealth) ? "GetModelHealth" : undefined;
  return { variant, body: outer ? name.end : -1 };
}

/** Where the `request_id` string of a `PredictLTV` body starts (named map or positional array), or -1. */
function tcpRequestIdAt(payload: Uint8Array, body: number): number {
  const fields = containerAt(payload, body);
  if (!fields) return -1;
  // Positional: request_id is the first element.
  if (fields.kind === "array") return fields.first;
  // Named: encoders write the fields in proto order, so the key is the map's first; a string
  // value holding the key's exact bytes before it cannot occur there.
  const key = indexOf(payload, requestIdKey, fields.first);
  return key < 0 ? -1 : key + requestIdKey.length;
}

/** Reads a protobuf varint at `at`: [value, end], or undefined. */
function readVarint(b: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let shift = 0, i = at; i < b.length && shift < 35; shift += 7, i++) {
    value += (b[i]! & 0x7f) * 2 ** shift;
    if ((b[i]! & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/** Pre-encodes `response` (its `request_id` left out) and `health` for every binding the near-free server speaks. */
export function createNearFreeAnswers(response: LTVPredictionResponse, health: HealthResponse): NearFreeAnswers {
  const anonymous = create(LTVPredictionResponseSchema, { ...response, requestId: "" });

  // TCP: `{ "PredictLTVOk": [ request_id, ...10 more fields ] }`. With an empty id the frame is
  // [length][0x81 0xac "PredictLTVOk" 0x9b][0xa0][rest]: keep the parts around the empty string.
  const frame = predictLtvTcpBinding.encodeResponse(anonymous);
  const idAt = 4 + 1 + 13 + 1;
  if (frame[idAt - 1] !== 0x9b || frame[idAt] !== 0xa0) throw new Error("unexpected PredictLTVOk layout: request_id is not the 11-field array's first element");
  const tcpHead = frame.subarray(4, idAt);
  const tcpRest = frame.subarray(idAt + 1);
  const healthBinding = predictionTcpBindings.find((b) => b.requestVariant === "GetModelHealth")!;
  const tcpHealth = healthBinding.encodeResponse(health);

  // gRPC: protobuf writes field 1 (request_id) first, so the message is [field 1 as the request has it][rest].
  const protoRest = toBinary(LTVPredictionResponseSchema, anonymous);
  const healthMessage = toBinary(HealthResponseSchema, health);
  const grpcHealth = new Uint8Array(5 + healthMessage.length);
  new DataView(grpcHealth.buffer).setUint32(1, healthMessage.length);
  grpcHealth.set(healthMessage, 5);

  /** The response message for a request message, after `headroom` bytes left for an envelope. */
  const protoAnswer = (message: Uint8Array, headroom: number): Uint8Array | undefined => {
    // Field 1 (tag 0x0a, length-delimited) first, or no request_id at all.
    let idField = message.subarray(0, 0);
    if (message[0] === 0x0a) {
      const length = readVarint(message, 1);
      if (!length || length[1] + length[0] > message.length) return undefined;
      idField = message.subarray(0, length[1] + length[0]);
    }
    const out = new Uint8Array(headroom + idField.length + protoRest.length);
    out.set(idField, headroom);
    out.set(protoRest, headroom + idField.length);
    return out;
  };

  // Connect JSON: {"requestId": <the request's JSON string, as sent>, ...rest}.
  const jsonRest = toJsonString(LTVPredictionResponseSchema, anonymous);
  const jsonRequestId = /"requestId"\s*:\s*("(?:[^"\\]|\\.)*")/;

  return {
    tcp(payload) {
      const { variant, body } = tcpVariant(payload);
      if (variant === "GetModelHealth") return tcpHealth;
      if (variant !== "PredictLTV" || body < 0) return undefined;
      const start = tcpRequestIdAt(payload, body);
      const id = start < 0 ? undefined : msgpackStr(payload, start);
      if (!id) return undefined;
      // The id as the request wrote it, header and bytes.
      const idBytes = payload.subarray(id.at, id.end);
      const length = tcpHead.length + idBytes.length + tcpRest.length;
      const out = new Uint8Array(4 + length);
      new DataView(out.buffer).setUint32(0, length);
      out.set(tcpHead, 4);
      out.set(idBytes, 4 + tcpHead.length);
      out.set(tcpRest, 4 + tcpHead.length + idBytes.length);
      return out;
    },
    grpc(path, message) {
      if (path === nearFreeGrpcPaths.getModelHealth) return grpcHealth;
      if (path !== nearFreeGrpcPaths.predictLtv) return undefined;
      const out = protoAnswer(message, 5);
      if (out) new DataView(out.buffer).setUint32(1, out.length - 5);
      return out;
    },
    connectProto(body) {
      return protoAnswer(body, 0);
    },
    connectJson(body) {
      const id = jsonRequestId.exec(body)?.[1];
      if (id === undefined) return jsonRest;
      return jsonRest === "{}" ? `{"requestId":${id}}` : `{"requestId":${id},${jsonRest.slice(1)}`;
    },
  };
}
