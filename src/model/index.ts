export { PLATFORMS, toPlatform, type Platform } from "./platforms.js";
export {
  predictBaselineLtv,
  BASELINE_MODEL_VERSION,
  BASELINE_PLATFORM_MULTIPLIERS,
} from "./baseline-ltv-model.js";
