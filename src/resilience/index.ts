export {
  CircuitBreaker,
  circuitBreakerDefaults,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
} from "./circuit-breaker.js";
export { allowFallback } from "./allow-fallback.js";
export { isIdempotent } from "./idempotent-methods.js";
export { RetryBudget, retryBudgetDefaults, type RetryBudgetOptions } from "./retry-budget.js";
