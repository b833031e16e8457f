// syncvalue/fleet: one campaign budget shared by a fleet through Redis.
export { createFleetLedger } from "./fleet-ledger.js";
export type { FleetLedger, FleetBidder, FleetOutcome, FleetOutcomeResult } from "./fleet-ledger.js";
export type { FleetLedgerOptions, FleetSettlement } from "./fleet-ledger-options.js";
export type { FleetEvent, FleetLedgerMetrics, FleetRoundTripPurpose } from "./fleet-event.js";
export { createFleetBudgetAdmin } from "./fleet-budget-admin.js";
export type { FleetBudgetAdmin, FleetBudgetAdminOptions, FleetBudget, FleetBudgetStatus, SetBudgetResult } from "./fleet-budget-admin.js";
export type { FleetRedisClient } from "./fleet-redis-client.js";
export { fromNodeRedis, type NodeRedisLike } from "./adapters/node-redis-adapter.js";
export { fromIoredis, type IoredisLike } from "./adapters/ioredis-adapter.js";
export { fromUpstash, type UpstashRedisLike } from "./adapters/upstash-adapter.js";
export { campaignKeys, defaultKeyPrefix } from "./campaign-keys.js";
export { createRedisPredictionCache, type RedisPredictionCache, type RedisPredictionCacheOptions } from "./redis-prediction-cache.js";
export type { SharedPredictionCache } from "../cache/shared-prediction-cache.js";
export type { CampaignKeys } from "./campaign-keys.js";
