import * as net from "node:net";
import { Packr, Unpackr } from "msgpackr";
import type { LTVPredictionRequest } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { lengthPrefixedReader } from "../length-prefixed-reader.js";
import type { ContenderFactory } from "./unary-contender.js";

/**
 * The request as the SDK sends it by default (docs/wire-protocol.md): fields in
 * declaration order, each event an array too, in plain objects: what a
 * hand-written client holds. The SDK's default layout, so the floor's edge is
 * not a shorter form. It is still a little shorter (209 bytes against the SDK's
 * 243 before the frame header): msgpackr writes a whole double as an integer,
 * the SDK writes doubles as float64, as serde does.
 */
export function plainPredictLtvRequest(r: LTVPredictionRequest): { PredictLTV: unknown[] } {
  return {
    PredictLTV: [
      r.requestId,
      r.timestampMs,
      r.customerId,
      r.platform,
      r.eventHistory.map((e) => [e.timestampMs, e.eventType, e.eventValue, e.source, { ...e.attributes }]),
      r.currentCac,
      r.campaignId,
      r.adGroupId,
      [...r.features],
      { ...r.metadata },
    ],
  };
}

/**
 * The floor: the least an honest TCP client does per call. One `node:net`
 * socket; each call encodes the request with msgpackr (plain MessagePack, no
 * records), writes it as one frame, and is answered first in, first out
 * (calls pipeline on the socket); each answer frame is decoded with msgpackr
 * and checked (`PredictLTVOk`, the request's `request_id`) before its caller
 * resumes. No pool, no deadline, no validation, no reconnection: everything
 * the SDK adds on top is what the gap to this client measures.
 */
export const minimalTcp: ContenderFactory = async (target) => {
  const url = new URL(target.tcpUrl);
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "bigint" });
  const message = plainPredictLtvRequest(target.request);
  const requestId = target.request.requestId;
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let head = 0;
  const failAll = (e: Error) => {
    while (head < waiting.length) waiting[head++]!.reject(e);
    waiting.length = head = 0;
    socket.destroy();
  };
  socket.on("error", failAll);
  socket.on("close", () => failAll(new Error("connection closed")));
  socket.on(
    "data",
    lengthPrefixedReader((payload) => {
      const answer = unpackr.unpack(payload) as { PredictLTVOk?: unknown[] };
      if (head === waiting.length) {
        failAll(new Error("an answer without a request"));
        return false;
      }
      const fields = answer.PredictLTVOk;
      // Failing the connection fails this call too: it is still first in line.
      if (fields?.[0] !== requestId) {
        failAll(new Error("not the PredictLTVOk of this request: out of step"));
        return false;
      }
      const w = waiting[head++]!;
      if (head === waiting.length) waiting.length = head = 0;
      w.resolve(fields);
      return true;
    }),
  );
  const call = () =>
    new Promise<unknown>((resolve, reject) => {
      const body = packr.pack(message);
      const frame = Buffer.allocUnsafe(4 + body.length);
      frame.writeUInt32BE(body.length, 0);
      body.copy(frame, 4);
      waiting.push({ resolve, reject });
      socket.write(frame);
    });
  await call();
  return {
    id: "minimal",
    name: "minimal TCP client: msgpackr encode + decode, FIFO on one socket (floor)",
    call,
    close: async () => void socket.destroy(),
  };
};
