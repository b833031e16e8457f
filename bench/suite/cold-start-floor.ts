// The cold-start floor: a minimal tcp:// client, bundled into one file as the
// SDK's bundled app is (bench-bundles.ts), that the suite's cold-start section
// runs with the same probe (child-probe.ts), interleaved with the SDK's rows.
// What it costs is what any Node app costs to load a MessagePack codec, open
// one node:net socket and run its first call: the SDK's row minus this one is
// what the SDK itself adds, a figure that moves less with the machine's load
// than either row alone.
//
// It has the SDK's surface as far as the probe uses it (createClient,
// prediction.predictLTV, close), so the probe cannot tell them apart: one
// socket, opened by the first call; msgpackr's encoder and decoder (its
// pack.js and unpack.js, without the native addon); the request's fields
// positionally, defaults filled in (docs/wire-protocol.md); the answer checked
// (`PredictLTVOk`, the request's id) and given its field names. No validation,
// deadline, pool, cache or reconnection.
import * as net from "node:net";
import { Packr } from "msgpackr/pack";
import { Unpackr } from "msgpackr/unpack";
import { lengthPrefixedReader } from "./length-prefixed-reader.js";

/** The request fields the floor sends, each optional as in the SDK's `predictLTV`. */
interface FloorRequest {
  requestId?: string;
  timestampMs?: bigint;
  customerId?: string;
  platform?: string;
  eventHistory?: { timestampMs?: bigint; eventType?: string; eventValue?: number; source?: string; attributes?: Record<string, string> }[];
  currentCac?: number;
  campaignId?: string;
  adGroupId?: string;
  features?: number[];
  metadata?: Record<string, string>;
}

/** The answer fields the probe reads. */
interface FloorAnswer {
  requestId: string;
  predictedLtv: number;
  confidence: number;
  modelVersion: string;
}

/** A client of one tcp:// endpoint; see the file's comment. */
export function createClient(options: { prediction: string }) {
  const url = new URL(options.prediction);
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "bigint" });
  let socket: net.Socket | undefined;
  const waiting: { id: string; resolve: (a: FloorAnswer) => void; reject: (e: Error) => void }[] = [];
  const failAll = (e: Error) => {
    for (const w of waiting.splice(0)) w.reject(e);
    socket?.destroy();
  };
  const onData = lengthPrefixedReader((payload) => {
    const answer = unpackr.unpack(payload) as { PredictLTVOk?: unknown[] };
    const w = waiting.shift();
    const f = answer.PredictLTVOk;
    if (!w || f?.[0] !== w.id) {
      failAll(new Error("not the PredictLTVOk of the first waiting request"));
      return false;
    }
    w.resolve({ requestId: f[0] as string, predictedLtv: f[2] as number, confidence: f[3] as number, modelVersion: f[6] as string });
    return true;
  });
  const connect = () => {
    const s = net.connect({ host: url.hostname, port: Number(url.port) });
    s.setNoDelay(true);
    s.on("data", onData);
    s.on("error", failAll);
    s.on("close", () => failAll(new Error("connection closed")));
    return s;
  };
  const predictLTV = (r: FloorRequest): Promise<FloorAnswer> =>
    new Promise((resolve, reject) => {
      const id = r.requestId ?? "";
      const body = packr.pack({
        PredictLTV: [
          id,
          r.timestampMs ?? 0n,
          r.customerId ?? "",
          r.platform ?? "",
          (r.eventHistory ?? []).map((e) => [e.timestampMs ?? 0n, e.eventType ?? "", e.eventValue ?? 0, e.source ?? "", { ...e.attributes }]),
          r.currentCac ?? 0,
          r.campaignId ?? "",
          r.adGroupId ?? "",
          [...(r.features ?? [])],
          { ...r.metadata },
        ],
      });
      const frame = Buffer.allocUnsafe(4 + body.length);
      frame.writeUInt32BE(body.length, 0);
      body.copy(frame, 4);
      waiting.push({ id, resolve, reject });
      // net queues writes made before the connection is up.
      (socket ??= connect()).write(frame);
    });
  return {
    prediction: { predictLTV },
    close: async () => void socket?.destroy(),
  };
}
