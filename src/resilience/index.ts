export {
  CircuitBreaker,
  circuitBreakerDefaults,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
} from "./circuit-breaker.js";
export { CircuitOpenError, createCircuitBreakerTransport } from "./circuit-breaker-transport.js";
export { allowFallback } from "./allow-fallback.js";
export { createFallbackTransport, fallbackDefaults, type FallbackOptions } from "./fallback-transport.js";
export { createHedgingTransport, hedgingDefaults, type HedgingOptions } from "./hedging-transport.js";
export { isIdempotent } from "./idempotent-methods.js";
export { RetryBudget, retryBudgetDefaults, type RetryBudgetOptions } from "./retry-budget.js";
export { createRetryTransport, retryDefaults, type RetryOptions } from "./retry-transport.js";
