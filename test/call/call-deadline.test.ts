// CallDeadline: the AbortController-free cancellation of a lean unary TCP call.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CallDeadline, callSignalReason, toAbortSignal } from "../../src/call/call-signal.js";
import { deadlineTimers } from "../../src/call/deadline-timers.js";

const codeOf = (reason: unknown) => (reason instanceof ConnectError ? reason.code : undefined);

describe("CallDeadline", () => {
  it("aborts with DeadlineExceeded when its time passes, running each listener once", async () => {
    const d = new CallDeadline(20, undefined);
    const calls: string[] = [];
    d.addEventListener("abort", () => calls.push("a"));
    d.addEventListener("abort", () => calls.push("b"));
    await new Promise((r) => setTimeout(r, 60));
    expect(d.aborted).toBe(true);
    expect(codeOf(callSignalReason(d))).toBe(Code.DeadlineExceeded);
    d.abort(new Error("again"));
    expect(calls).toEqual(["a", "b"]);
    expect(codeOf(d.reason)).toBe(Code.DeadlineExceeded);
  });

  it("with ownTimer (Workers), its deadline is a timer of its own, not one of the shared timers", async () => {
    const before = deadlineTimers.pending;
    const fired = new CallDeadline(20, undefined, true);
    const disposed = new CallDeadline(20, undefined, true);
    expect(deadlineTimers.pending).toBe(before);
    disposed.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(codeOf(callSignalReason(fired))).toBe(Code.DeadlineExceeded);
    expect(disposed.aborted).toBe(false);
  });

  it("follows the caller's signal, with its reason, and forgets removed listeners", () => {
    const caller = new AbortController();
    const d = new CallDeadline(10_000, caller.signal);
    let removedRan = false;
    const removed = () => (removedRan = true);
    d.addEventListener("abort", removed);
    d.removeEventListener("abort", removed);
    const reason = new Error("caller gave up");
    caller.abort(reason);
    expect(d.aborted).toBe(true);
    expect(d.reason).toBe(reason);
    expect(removedRan).toBe(false);
  });

  it("starts aborted for an aborted caller, and a listener added afterwards never runs (as on AbortSignal)", () => {
    const caller = new AbortController();
    caller.abort("early");
    const d = new CallDeadline(10_000, caller.signal);
    expect(d.aborted).toBe(true);
    expect(d.reason).toBe("early");
    let ran = false;
    d.addEventListener("abort", () => (ran = true));
    expect(ran).toBe(false);
  });

  it("does not abort after dispose, and lets go of the caller's signal", async () => {
    const caller = new AbortController();
    const d = new CallDeadline(20, caller.signal);
    d.dispose();
    caller.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(d.aborted).toBe(false);
  });

  it("does not take a deadline beyond the largest timer delay for an immediate one", async () => {
    // setTimeout runs a delay above 2^31 - 1 ms after 1 ms: a per-call timer failed such a call at once.
    const d = new CallDeadline(2 ** 31 + 1_000, undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.aborted).toBe(false);
    d.dispose();
  });

  it("bridges to a real AbortSignal for socket connectors", () => {
    const d = new CallDeadline(undefined, undefined);
    const signal = toAbortSignal(d);
    expect(signal.aborted).toBe(false);
    d.abort(new ConnectError("stop", Code.Canceled));
    expect(signal.aborted).toBe(true);
    expect(codeOf(signal.reason)).toBe(Code.Canceled);
    const plain = new AbortController().signal;
    expect(toAbortSignal(plain)).toBe(plain);
  });
});
