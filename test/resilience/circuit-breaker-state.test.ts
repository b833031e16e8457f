// The circuit breaker's state machine alone (src/resilience/circuit-breaker.ts),
// on an injected clock: no server, no transport; the layer over it is tested
// against servers in test/layers/circuit-breaker.test.ts.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { ClientEvent } from "../../src/metrics/client-event.js";
import { CircuitBreaker } from "../../src/resilience/circuit-breaker.js";

function breaker(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}) {
  let now = 1_000_000;
  const events: string[] = [];
  const b = new CircuitBreaker("prediction", { now: () => now, ...options }, (e: ClientEvent) => events.push(e.type));
  return { b, events, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("closed -> open after consecutive failures -> half-open after openMs -> closed on a probe's success", () => {
    const { b, events, advance } = breaker({ consecutiveFailures: 3, openMs: 500 });
    for (let i = 0; i < 3; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.onOutcome(new Error("down"), Code.Unavailable);
    }
    expect(b.current()).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    advance(500);
    expect(b.current()).toBe("half-open");
    expect(b.tryAcquire()).toBe(true); // the one probe
    expect(b.tryAcquire()).toBe(false); // probes busy
    b.onOutcome(undefined, undefined);
    expect(b.current()).toBe("closed");
    expect(events).toEqual(["break", "half-open", "close"]);
  });

  it("a failed probe opens it again; a canceled call and a code outside failureCodes do not count as failures", () => {
    const { b, advance } = breaker({ consecutiveFailures: 2, openMs: 100 });
    b.tryAcquire();
    b.onOutcome(new Error("canceled"), Code.Canceled);
    b.tryAcquire();
    b.onOutcome(new Error("bad request"), Code.InvalidArgument);
    expect(b.current()).toBe("closed");
    b.tryAcquire();
    b.onOutcome(new Error("down"), Code.Unavailable);
    b.tryAcquire();
    b.onOutcome(new Error("down"), Code.Unavailable);
    expect(b.current()).toBe("open");
    advance(100);
    expect(b.tryAcquire()).toBe(true);
    b.onOutcome(new Error("still down"), Code.Unavailable);
    expect(b.current()).toBe("open");
  });

  it("opens on the failure rate over its window once it holds minimumCalls", () => {
    const { b } = breaker({ consecutiveFailures: 1_000, failureRate: 0.5, minimumCalls: 4 });
    for (const failed of [false, true, false, true]) {
      b.tryAcquire();
      b.onOutcome(failed ? new Error("x") : undefined, failed ? Code.Unavailable : undefined);
    }
    expect(b.current()).toBe("open");
  });

  it("restores a saved state: an open breaker stays open until its openMs has passed", () => {
    const first = breaker({ consecutiveFailures: 1, openMs: 1_000 });
    first.b.tryAcquire();
    first.b.onOutcome(new Error("down"), Code.Unavailable);
    const saved = JSON.parse(JSON.stringify(first.b.snapshot()));
    const second = breaker({ openMs: 1_000, initialState: { prediction: saved } });
    expect(second.b.current()).toBe("open");
    expect(second.b.tryAcquire()).toBe(false);
  });
});
