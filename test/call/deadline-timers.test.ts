// DeadlineTimers: every call deadline on one runtime timer.
import { describe, expect, it } from "vitest";
import { DeadlineTimers, type DeadlineTarget } from "../../src/call/deadline-timers.js";

interface Probe extends DeadlineTarget {
  readonly name: string;
  readonly armedAt: number;
  firedAfter: number | undefined;
}

function probe(timers: DeadlineTimers, name: string, ms: number, fired: string[]): Probe {
  const p: Probe = {
    name,
    armedAt: performance.now(),
    firedAfter: undefined,
    deadlineLane: undefined,
    deadlineTicket: 0,
    onDeadline() {
      p.firedAfter = performance.now() - p.armedAt;
      fired.push(name);
    },
  };
  timers.arm(ms, p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("DeadlineTimers", () => {
  it("fires deadlines of mixed durations in expiry order, never early, and never a cancelled one", async () => {
    const timers = new DeadlineTimers();
    const fired: string[] = [];
    const probes = [
      probe(timers, "60", 60, fired),
      probe(timers, "20", 20, fired),
      probe(timers, "40", 40, fired),
      probe(timers, "20-cancelled", 20, fired),
      probe(timers, "20b", 20, fired),
      probe(timers, "40-cancelled", 40, fired),
    ];
    timers.cancel(probes[3]!);
    timers.cancel(probes[5]!);
    expect(timers.pending).toBe(4);
    // Generous: a loaded machine may run the timer late, never early.
    for (let i = 0; i < 200 && fired.length < 4; i++) await sleep(10);
    expect(fired).toEqual(["20", "20b", "40", "60"]);
    for (const p of probes) if (p.firedAfter !== undefined) expect(p.firedAfter, p.name).toBeGreaterThanOrEqual(Number.parseInt(p.name));
    expect(timers.pending).toBe(0);
  });

  it("cancelling is a no-op after the deadline fired, and twice", async () => {
    const timers = new DeadlineTimers();
    const fired: string[] = [];
    const a = probe(timers, "a", 5, fired);
    for (let i = 0; i < 200 && fired.length < 1; i++) await sleep(5);
    timers.cancel(a);
    timers.cancel(a);
    expect(timers.pending).toBe(0);
    const b = probe(timers, "b", 5, fired);
    timers.cancel(b);
    timers.cancel(b);
    expect(timers.pending).toBe(0);
    await sleep(30);
    expect(fired).toEqual(["a"]);
  });

  it("keeps thousands of deadlines settled out of order without firing them, and fires the survivors", async () => {
    const timers = new DeadlineTimers();
    const fired: string[] = [];
    const probes: Probe[] = [];
    for (let i = 0; i < 5_000; i++) probes.push(probe(timers, String(i), 30, fired));
    // Settle all but every 1000th, in a scrambled order (odd ones first, then even ones backwards).
    for (let i = 1; i < probes.length; i += 2) timers.cancel(probes[i]!);
    for (let i = probes.length - 2; i >= 0; i -= 2) if (i % 1000 !== 0) timers.cancel(probes[i]!);
    expect(timers.pending).toBe(5);
    for (let i = 0; i < 200 && fired.length < 5; i++) await sleep(10);
    expect(fired).toEqual(["0", "1000", "2000", "3000", "4000"]);
  });

  it("lets a deadline fired arm another one", async () => {
    const timers = new DeadlineTimers();
    const fired: string[] = [];
    const first: DeadlineTarget = {
      deadlineLane: undefined,
      deadlineTicket: 0,
      onDeadline: () => {
        fired.push("first");
        probe(timers, "second", 5, fired);
      },
    };
    timers.arm(5, first);
    for (let i = 0; i < 200 && fired.length < 2; i++) await sleep(5);
    expect(fired).toEqual(["first", "second"]);
  });

  it("waits out a deadline beyond the runtime's largest timer delay instead of firing at once", async () => {
    // setTimeout fires a delay above 2^31 - 1 ms after 1 ms (Node warns TimeoutOverflowWarning).
    const timers = new DeadlineTimers();
    const fired: string[] = [];
    const far = probe(timers, "far", 2 ** 31 + 1_000, fired);
    await sleep(50);
    expect(fired).toEqual([]);
    timers.cancel(far);
    expect(timers.pending).toBe(0);
  });
});
