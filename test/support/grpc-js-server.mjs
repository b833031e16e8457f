#!/usr/bin/env node
// An INDEPENDENT implementation of both services, in plain JavaScript on
// @grpc/grpc-js + @grpc/proto-loader, loading proto/**.proto. It shares no code
// with src/: tests use it to check that our clients speak real gRPC to a
// server written by someone else, and to trigger faults deterministically.
//
// Run: node test/support/grpc-js-server.mjs [--port N]   (default 0 = any free port)
// Binds 127.0.0.1 only and prints `grpc-js server listening port=PORT` once ready.
// Stops on SIGINT/SIGTERM.
//
// Its own trivial logic (NOT the baseline model):
//   PredictLTV: predicted_ltv = 2 * sum of `purchase` event values, confidence 0.5,
//     bounds -/+ 10%, model_version "grpc-js-test-1", one top feature
//     {name "purchase_sum", importance 1, value sum}, inference_time_us 1,
//     status INSUFFICIENT_DATA for an empty history (predicted_ltv 0), else SUCCESS.
//     Empty customer_id answers INVALID_ARGUMENT.
//   PredictLTVBatch: each item as above; totals counted.
//   PredictLTVStream: one response per request, in order.
//   GetModelHealth: healthy, counts predictions, fixed latency figures (1 / 2 / 3 ms).
//   Storage: concepts and associations in memory. One sequence counter starts at
//     2^53 + 1 = 9007199254740993 (above Number.MAX_SAFE_INTEGER); every write
//     increments it and returns it; GetStats.written is its current value, so a
//     fresh server reports written = "9007199254740993".
//   QueryConcept: a learned concept as stored; otherwise found = true with
//     content "content of <id>", strength 0.5, confidence 0.75.
//   GetNeighbors: targets of associations from the id, in learning order.
//   FindPath: [start] when start == end, [start, end] when a direct association
//     exists and max_depth >= 1, otherwise found = false.
//   VectorSearch: up to k learned concepts that have an embedding of the query's
//     length, similarity = dot product, highest first.
//   Flush: success. HealthCheck: healthy, status "ok".
//
// Deterministic fault triggers:
//   customer_id "fail:<STATUS>" (gRPC status name, e.g. fail:UNAVAILABLE,
//     fail:INTERNAL, fail:NOT_FOUND, fail:DEADLINE_EXCEEDED):
//     PredictLTV answers that status with the message "forced <STATUS>";
//     PredictLTVStream ends the stream with it; inside PredictLTVBatch the item
//     becomes status MODEL_ERROR with error_message "forced <STATUS>" (an empty
//     customer_id or unknown status name there gives INVALID_INPUT).
//     An unknown status name answers INVALID_ARGUMENT.
//   customer_id "slow:<ms>": PredictLTV (and each such batch or stream item)
//     answers after that many milliseconds (at most 60000).
//   QueryConcept of concept_id "missing": found = false.

import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "proto");
const definition = protoLoader.loadSync(["syncvalue/v1/syncvalue.proto", "sutra/storage/storage.proto"], {
  includeDirs: [protoDir],
  keepCase: false,
  longs: String, // 64-bit integers travel as decimal strings, never rounded
  enums: String,
  defaults: true,
  arrays: true,
});
const loaded = grpc.loadPackageDefinition(definition);

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
const startedAt = Date.now();
const uptime = () => String(Math.floor((Date.now() - startedAt) / 1000));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- prediction -----------------------------------------------------------

let predictions = 0;

/** Reads the trigger in customer_id: { fail: statusName } | { slowMs } | {}. */
function trigger(customerId) {
  if (customerId.startsWith("fail:")) return { fail: customerId.slice(5) };
  if (customerId.startsWith("slow:")) {
    const ms = Number(customerId.slice(5));
    return { slowMs: Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : 0 };
  }
  return {};
}

function failure(statusName) {
  const code = grpc.status[statusName];
  if (typeof code !== "number" || statusName === "OK") {
    return { code: grpc.status.INVALID_ARGUMENT, details: `unknown status name ${statusName}` };
  }
  return { code, details: `forced ${statusName}` };
}

function predict(request) {
  predictions++;
  let sum = 0;
  for (const event of request.eventHistory) {
    if (event.eventType === "purchase") sum += event.eventValue;
  }
  const ltv = sum * 2;
  return {
    requestId: request.requestId,
    timestampMs: String(Date.now()),
    predictedLtv: ltv,
    confidence: 0.5,
    ltvLowerBound: ltv * 0.9,
    ltvUpperBound: ltv * 1.1,
    modelVersion: "grpc-js-test-1",
    topFeatures: [{ name: "purchase_sum", importance: 1, value: sum }],
    inferenceTimeUs: "1",
    status: request.eventHistory.length === 0 ? "INSUFFICIENT_DATA" : "SUCCESS",
    errorMessage: "",
  };
}

/** Resolves to a response, or rejects with a grpc-js status object. */
async function predictWithTriggers(request) {
  const t = trigger(request.customerId);
  if (t.slowMs) await sleep(t.slowMs);
  if (t.fail) throw failure(t.fail);
  if (request.customerId === "") {
    throw { code: grpc.status.INVALID_ARGUMENT, details: "customer_id: must not be empty" };
  }
  return predict(request);
}

const predictionService = {
  PredictLTV(call, callback) {
    predictWithTriggers(call.request).then((r) => callback(null, r), (err) => callback(err));
  },
  async PredictLTVBatch(call, callback) {
    const responses = await Promise.all(
      call.request.requests.map((request) =>
        predictWithTriggers(request).catch((err) => ({
          requestId: request.requestId,
          timestampMs: String(Date.now()),
          status: err.code === grpc.status.INVALID_ARGUMENT ? "INVALID_INPUT" : "MODEL_ERROR",
          errorMessage: err.details,
        })),
      ),
    );
    const failed = responses.filter((r) => r.status === "MODEL_ERROR" || r.status === "INVALID_INPUT").length;
    callback(null, { responses, totalProcessed: responses.length, successful: responses.length - failed, failed });
  },
  PredictLTVStream(call) {
    // Answer strictly in request order, even when an item is slow.
    let chain = Promise.resolve();
    let broken = false;
    call.on("data", (request) => {
      chain = chain.then(async () => {
        if (broken) return;
        try {
          call.write(await predictWithTriggers(request));
        } catch (err) {
          broken = true;
          call.emit("error", err);
        }
      });
    });
    call.on("end", () => {
      chain.then(() => {
        if (!broken) call.end();
      });
    });
  },
  GetModelHealth(call, callback) {
    callback(null, {
      isHealthy: true,
      modelVersion: "grpc-js-test-1",
      uptimeSeconds: uptime(),
      currentAccuracy: 0,
      targetAccuracy: 0,
      predictionsToday: String(predictions),
      avgLatencyMs: call.request.includeMetrics ? 1 : 0,
      p95LatencyMs: call.request.includeMetrics ? 2 : 0,
      p99LatencyMs: call.request.includeMetrics ? 3 : 0,
      cpuUsagePercent: 0,
      memoryUsageMb: call.request.includeMetrics ? process.memoryUsage().rss / 1048576 : 0,
      activeConnections: 1,
    });
  },
};

// ---- storage ----------------------------------------------------------------

let sequence = 2n ** 53n + 1n;
const concepts = new Map(); // id -> { conceptId, content, embedding, strength, confidence }
const edges = new Map(); // source -> Set(target)
let edgeCount = 0;

const storageService = {
  LearnConcept(call, callback) {
    const r = call.request;
    concepts.set(r.conceptId, {
      conceptId: r.conceptId,
      content: r.content,
      embedding: r.embedding,
      strength: r.strength,
      confidence: r.confidence,
    });
    callback(null, { sequence: String(++sequence) });
  },
  QueryConcept(call, callback) {
    const id = call.request.conceptId;
    if (id === "missing") return callback(null, { found: false });
    const c = concepts.get(id);
    if (c) return callback(null, { found: true, conceptId: c.conceptId, content: c.content, strength: c.strength, confidence: c.confidence });
    callback(null, { found: true, conceptId: id, content: `content of ${id}`, strength: 0.5, confidence: 0.75 });
  },
  LearnAssociation(call, callback) {
    const { sourceId, targetId } = call.request;
    if (!edges.has(sourceId)) edges.set(sourceId, new Set());
    if (!edges.get(sourceId).has(targetId)) edgeCount++;
    edges.get(sourceId).add(targetId);
    callback(null, { sequence: String(++sequence) });
  },
  GetNeighbors(call, callback) {
    callback(null, { neighborIds: [...(edges.get(call.request.conceptId) ?? [])] });
  },
  FindPath(call, callback) {
    const { startId, endId, maxDepth } = call.request;
    if (startId === endId) return callback(null, { found: true, path: [startId] });
    if (maxDepth >= 1 && edges.get(startId)?.has(endId)) return callback(null, { found: true, path: [startId, endId] });
    callback(null, { found: false, path: [] });
  },
  VectorSearch(call, callback) {
    const { queryVector, k } = call.request;
    const results = [...concepts.values()]
      .filter((c) => c.embedding.length === queryVector.length && c.embedding.length > 0)
      .map((c) => ({ conceptId: c.conceptId, similarity: c.embedding.reduce((acc, x, i) => acc + x * queryVector[i], 0) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k);
    callback(null, { results });
  },
  GetStats(_call, callback) {
    callback(null, {
      concepts: String(concepts.size),
      edges: String(edgeCount),
      written: String(sequence),
      dropped: "0",
      pending: "0",
      reconciliations: "0",
      uptimeSeconds: uptime(),
    });
  },
  Flush(_call, callback) {
    callback(null, { success: true });
  },
  HealthCheck(_call, callback) {
    callback(null, { healthy: true, status: "ok", uptimeSeconds: uptime() });
  },
};

// ---- server -------------------------------------------------------------------

const server = new grpc.Server();
server.addService(loaded.syncvalue.v1.SyncValueService.service, predictionService);
server.addService(loaded.sutra.storage.StorageService.service, storageService);
server.bindAsync(`127.0.0.1:${values.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`grpc-js server: cannot bind: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`grpc-js server listening port=${port}\n`);
});

const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
