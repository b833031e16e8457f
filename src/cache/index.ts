export { backgroundWaitUntil, checkWaitUntil, type WaitUntil } from "./background-wait-until.js";
export { cacheControl, type CacheControl } from "./cache-control.js";
export { cacheDefaults, resolveCacheOptions, type CacheOptions, type CacheableStorageRead } from "./cache-options.js";
export { predictionCacheKey } from "./prediction-cache-key.js";
export { ResponseCache, type BackgroundOptions } from "./response-cache.js";
export { sharedPredictionCache } from "./shared-cache-reader.js";
export { sharedPredictionKey, type SharedPredictionCache } from "./shared-prediction-cache.js";
