import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The bytes of response bodies a client holds for calls still in flight, and
 * their cap (`maxResponseBytesInFlight`): many large answers at once, each
 * within its own per-call cap, must not exhaust the process either. Every
 * HTTP transport of a client shares one budget.
 */
export class ResponseBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes counted now. */
  get heldBytes(): number {
    return this.held;
  }

  /** Counts `n` more bytes; false, counting nothing, when that would cross the cap. */
  take(n: number): boolean {
    if (this.held + n > this.maxBytes) return false;
    this.held += n;
    return true;
  }

  /** Returns bytes counted by {@link ResponseBudget.take}. */
  release(n: number): void {
    this.held -= n;
  }
}

/**
 * One call's response bytes, counted as they arrive against the call's cap
 * (`maxResponseBytes`) and the client's {@link ResponseBudget}, so a hostile
 * or broken server is stopped at the first chunk past either, not after the
 * whole body is buffered. States: counting -> released (by `release()`, once
 * the call is settled; idempotent).
 */
export class ResponseBytes {
  private received = 0;
  private counted = 0;

  /**
   * @param maxBytes - the call's cap (`maxResponseBytes`)
   * @param budget - the client's bytes in flight
   * @param framingBytes - bytes of framing allowed on top of the cap (gRPC's 5-byte envelope)
   */
  constructor(
    private readonly maxBytes: number,
    private readonly budget: ResponseBudget | undefined,
    private readonly framingBytes = 0,
  ) {}

  /** Counts a chunk; the call's `ResourceExhausted` error when a cap is crossed (nothing more is counted then). */
  add(n: number): ConnectError | undefined {
    this.received += n;
    if (this.received > this.maxBytes + this.framingBytes) {
      return new ConnectError(`response larger than ${this.maxBytes} bytes (maxResponseBytes)`, Code.ResourceExhausted);
    }
    if (this.budget !== undefined) {
      if (!this.budget.take(n)) {
        return new ConnectError(
          `responses in flight would hold more than ${this.budget.maxBytes} bytes (maxResponseBytesInFlight)`,
          Code.ResourceExhausted,
        );
      }
      this.counted += n;
    }
    return undefined;
  }

  /** Gives the counted bytes back to the budget. */
  release(): void {
    this.budget?.release(this.counted);
    this.counted = 0;
  }
}

/** What a call over HTTP counts a response body against; undefined: nothing (streams). */
export interface ResponseLimits {
  /** Largest body of one call. */
  readonly maxResponseBytes: number;
  /** The client's bytes in flight. */
  readonly budget: ResponseBudget;
}
