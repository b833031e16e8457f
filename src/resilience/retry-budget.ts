/**
 * Options of the retry budget.
 *
 * @public
 */
export interface RetryBudgetOptions {
  /**
   * Size of the token bucket. Every failed attempt takes one token, every
   * success gives back `tokenRatio`; retries (and hedges) are sent only while
   * more than half the bucket is left. Default 10.
   */
  maxTokens?: number;
  /** Tokens a successful call gives back. Default 0.1 (about one retry per ten successes). */
  tokenRatio?: number;
}

/** Defaults of {@link RetryBudgetOptions}. @public */
export const retryBudgetDefaults = { maxTokens: 10, tokenRatio: 0.1 } as const;

/**
 * gRPC's retry throttling (gRFC A6) as a retry budget: while a service keeps
 * failing, the bucket drains and retries stop, so a client never multiplies
 * the load on a service that is already down; successes refill it.
 * No clock, so it behaves the same in a Lambda and in tests.
 */
export class RetryBudget {
  private tokens: number;
  private readonly maxTokens: number;
  private readonly tokenRatio: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.maxTokens = options.maxTokens ?? retryBudgetDefaults.maxTokens;
    this.tokenRatio = options.tokenRatio ?? retryBudgetDefaults.tokenRatio;
    this.tokens = this.maxTokens;
  }

  /** Whether another attempt may be sent now. */
  canRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }

  onFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  onSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }
}
