export { createServer, type ServerOptions, type ReferenceServer } from "./create-server.js";
export type { LtvModel } from "./ltv-model.js";
export type {
  ConceptStore,
  Concept,
  Association,
  ConceptMatch,
  ConceptStoreStats,
  ConceptStoreHealth,
  MaybePromise,
} from "./concept-store.js";
export { createMemoryConceptStore } from "./memory-concept-store.js";
export {
  createModelHealthTracker,
  type ModelHealthTracker,
  type ModelHealthTrackerOptions,
} from "./model-health-tracker.js";
export { createPredictionService, type PredictionServiceOptions } from "./prediction-service.js";
export { createStorageService } from "./storage-service.js";
export {
  predictBaselineLtv,
  BASELINE_MODEL_VERSION,
  BASELINE_PLATFORM_MULTIPLIERS,
} from "../model/baseline-ltv-model.js";
export { PLATFORMS, toPlatform, type Platform } from "../model/platforms.js";
export { createTcpServer, type TcpServer, type TcpServerOptions } from "./tcp-server.js";
