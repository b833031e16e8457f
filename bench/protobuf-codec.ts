// The lean protobuf codec (src/protobuf-codec/) against protobuf-es's
// toBinary / fromBinary, in one process, on the PredictLTV request and response:
//
//   npm run bench:protobuf-codec [-- --rounds N] [--batch N]
//
// Every (codec, operation) runs in interleaved rounds of `batch` calls, so a
// busy neighbour slows all of them alike; each round gives one ns/op figure.
// Reports p50 and p99 of those figures and throughput (calls per second of
// wall time over all rounds). The bytes of both codecs are checked equal first.
import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { LTVPredictionRequestSchema, LTVPredictionResponseSchema } from "../src/gen/syncvalue/v1/syncvalue_pb.js";
import { predictBaselineLtv } from "../src/model/baseline-ltv-model.js";
import { decodeMessage, encodeMessage } from "../src/protobuf-codec/index.js";
import { quantileSorted } from "./suite/quantiles.js";
import { sampleRequest } from "./suite/sample-request.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("--rounds", 300);
const batch = arg("--batch", 500);

const request = sampleRequest();
const response = { ...predictBaselineLtv(request), requestId: request.requestId, inferenceTimeUs: 412n };
const requestBytes = toBinary(LTVPredictionRequestSchema, request);
const responseBytes = toBinary(LTVPredictionResponseSchema, response);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
if (hex(encodeMessage(LTVPredictionRequestSchema, request)) !== hex(requestBytes)) throw new Error("request bytes differ");
if (hex(encodeMessage(LTVPredictionResponseSchema, response)) !== hex(responseBytes)) throw new Error("response bytes differ");

interface Op {
  codec: string;
  op: string;
  fn: () => unknown;
}
const codecs = [
  { name: "protobuf-es toBinary/fromBinary", encode: toBinary, decode: fromBinary },
  { name: "syncvalue protobuf-codec", encode: encodeMessage, decode: decodeMessage },
] as { name: string; encode: (d: DescMessage, m: unknown) => Uint8Array; decode: (d: DescMessage, b: Uint8Array) => unknown }[];
const ops: Op[] = codecs.flatMap((c) => [
  { codec: c.name, op: `encode request (${requestBytes.length} B)`, fn: () => c.encode(LTVPredictionRequestSchema, request) },
  { codec: c.name, op: `decode request (${requestBytes.length} B)`, fn: () => c.decode(LTVPredictionRequestSchema, requestBytes) },
  { codec: c.name, op: `encode response (${responseBytes.length} B)`, fn: () => c.encode(LTVPredictionResponseSchema, response) },
  { codec: c.name, op: `decode response (${responseBytes.length} B)`, fn: () => c.decode(LTVPredictionResponseSchema, responseBytes) },
]);

const samples = ops.map(() => [] as number[]);
const wallNs = ops.map(() => 0);
let sink = 0;
// Round 0 warms up (JIT, plans compiled) and is not recorded.
for (let round = 0; round <= rounds; round++) {
  for (const [i, op] of ops.entries()) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) if (op.fn() === undefined) sink++;
    const ns = Number(process.hrtime.bigint() - t0);
    if (round === 0) continue;
    samples[i]!.push(ns / batch);
    wallNs[i]! += ns;
  }
}
if (sink === -1) console.log(sink);

const rows = ops.map((op, i) => {
  const sorted = samples[i]!.sort((a, b) => a - b);
  return { ...op, p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99), perSecond: (rounds * batch * 1e9) / wallNs[i]! };
});
console.log(`node ${process.version}, ${rounds} rounds of ${batch} calls per operation\n`);
console.log("| operation | codec | p50 ns/op | p99 ns/op | ops/s | vs protobuf-es (p50) |");
console.log("|---|---|---:|---:|---:|---:|");
for (const row of rows) {
  const base = rows.find((r) => r.op === row.op)!;
  console.log(
    `| ${row.op} | ${row.codec} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${Math.round(row.perSecond).toLocaleString("en-US")} | ${(base.p50 / row.p50).toFixed(2)}x |`,
  );
}
