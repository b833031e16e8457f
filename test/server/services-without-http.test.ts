// The service implementations are transport-independent: a TCP binding calls
// them directly with a HandlerContext, as done here.
import { describe, expect, it } from "vitest";
import { create, type DescMethod } from "@bufbuild/protobuf";
import { createHandlerContext } from "@connectrpc/connect";
import {
  LTVBatchRequestSchema,
  LTVPredictionRequestSchema,
  PredictionStatus,
  SyncValueService,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { LearnConceptRequestSchema, StorageService, StatsRequestSchema } from "../../src/gen/sutra/storage/storage_pb.js";
import {
  createMemoryConceptStore,
  createModelHealthTracker,
  createPredictionService,
  createStorageService,
} from "../../src/server/index.js";

function context(method: DescMethod) {
  return createHandlerContext({
    service: method.parent,
    method,
    protocolName: "tcp",
    requestMethod: "POST",
    url: `tcp://127.0.0.1/${method.parent.typeName}/${method.name}`,
  });
}

describe("services called without HTTP", () => {
  it("predicts, batches and reports health through the tracker", async () => {
    const health = createModelHealthTracker();
    const prediction = createPredictionService({ health, maxBatchSize: 2 });
    const req = create(LTVPredictionRequestSchema, { requestId: "t", customerId: "c", platform: "meta" });
    const res = await prediction.predictLTV(req, context(SyncValueService.method.predictLTV));
    expect(res).toMatchObject({ requestId: "t", status: PredictionStatus.INSUFFICIENT_DATA });
    await expect(
      prediction.predictLTVBatch(create(LTVBatchRequestSchema, { requests: [req, req, req] }), context(SyncValueService.method.predictLTVBatch)),
    ).rejects.toThrow(/requests: at most 2 per batch, got 3/);
    expect(health.predictionsToday).toBe(1);
  });

  it("stores concepts through the storage service", async () => {
    const storage = createStorageService(createMemoryConceptStore());
    const learned = await storage.learnConcept(
      create(LearnConceptRequestSchema, { conceptId: "a", embedding: [1, 2] }),
      context(StorageService.method.learnConcept),
    );
    const stats = await storage.getStats(create(StatsRequestSchema), context(StorageService.method.getStats));
    expect(stats).toMatchObject({ concepts: 1n, written: (learned as { sequence: bigint }).sequence });
  });
});
