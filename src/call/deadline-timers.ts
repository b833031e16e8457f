/**
 * What a deadline calls when it passes. An object rather than a callback, and
 * it carries its own place in the timers, so arming a deadline allocates
 * nothing.
 */
export interface DeadlineTarget {
  onDeadline(): void;
  /** Set by {@link DeadlineTimers.arm}: where the deadline sits, for `cancel`. */
  deadlineLane: object | undefined;
  /** Set by {@link DeadlineTimers.arm}. */
  deadlineTicket: number;
}

/**
 * Deadlines of one duration, in the order they were armed: since time only
 * moves forward, that is also the order they expire in. Cancelled slots are
 * left as holes and skipped; the front is trimmed as calls settle (mostly in
 * order), so a lane holds little more than the calls in flight.
 */
class Lane {
  readonly targets: (DeadlineTarget | undefined)[] = [];
  readonly expiries: number[] = [];
  /** Index of the first slot still to fire or skip. */
  head = 0;
  /** Ticket of slot 0: tickets stay valid while the arrays are trimmed. */
  base = 0;

  constructor(readonly durationMs: number) {}

  /** Drops cancelled slots at the front; compacts once the dead prefix is long. */
  trim(): void {
    const targets = this.targets;
    while (this.head < targets.length && targets[this.head] === undefined) this.head++;
    if (this.head === targets.length) {
      this.base += this.head;
      this.head = 0;
      targets.length = 0;
      this.expiries.length = 0;
    } else if (this.head >= 1024 && this.head * 2 >= targets.length) {
      targets.splice(0, this.head);
      this.expiries.splice(0, this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}

/**
 * Every call deadline of the process on one timer, instead of a `setTimeout`
 * and a `clearTimeout` per call (a timer object, a closure and two list
 * updates each; with thousands of calls a second they were a steady share of
 * the CPU and of the garbage).
 *
 * Deadlines are kept in one FIFO lane per duration (calls mostly share the
 * client's `timeoutMs`), so arming is an append and cancelling clears a slot.
 * One runtime timer is armed for the earliest live deadline. It keeps the
 * process alive only while some deadline is live, like the per-call timers
 * did: a pending call with a deadline is work the process is waiting on.
 *
 * Not for Workers: there a timer belongs to the request that armed it and
 * may never fire once that request has ended, which would hold back every
 * deadline armed after it (the raw TCP path there gives each call its own
 * timer, see `CallDeadline`).
 *
 * A deadline never fires early: when the timer runs a little before the
 * earliest expiry (runtimes round timer delays), it is armed again for the
 * rest.
 */
export class DeadlineTimers {
  private readonly lanes = new Map<number, Lane>();
  private live = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** `performance.now()` the timer is armed for; Infinity when none. */
  private armedFor = Infinity;
  private timerKeepsAlive = false;
  private readonly fire = () => this.onTimer();

  /** Deadlines armed and neither fired nor cancelled. */
  get pending(): number {
    return this.live;
  }

  /**
   * Calls `target.onDeadline()` once `durationMs` (a positive number of
   * milliseconds) has passed, unless {@link DeadlineTimers.cancel}
   * is called with it first. A target has one deadline at a time.
   */
  arm(durationMs: number, target: DeadlineTarget): void {
    let lane = this.lanes.get(durationMs);
    if (lane === undefined) {
      lane = new Lane(durationMs);
      this.lanes.set(durationMs, lane);
    }
    const expiry = performance.now() + durationMs;
    target.deadlineLane = lane;
    target.deadlineTicket = lane.base + lane.targets.length;
    lane.targets.push(target);
    lane.expiries.push(expiry);
    this.live++;
    if (expiry < this.armedFor) this.schedule(expiry);
    else if (!this.timerKeepsAlive) this.keepAlive(true);
  }

  /** Forgets the target's armed deadline; a no-op once it fired or was cancelled. */
  cancel(target: DeadlineTarget): void {
    const lane = target.deadlineLane as Lane | undefined;
    if (lane === undefined) return;
    target.deadlineLane = undefined;
    const i = target.deadlineTicket - lane.base;
    if (i < lane.head || i >= lane.targets.length || lane.targets[i] !== target) return;
    lane.targets[i] = undefined;
    this.live--;
    if (i === lane.head) lane.trim();
    // An emptied lane is kept for the next call of that duration; the timer drops it when it fires.
    // Nothing left to wait for: let the process exit. The timer stays armed (it is cheap to
    // fire once) so the next call does not pay for a new one.
    if (this.live === 0) this.keepAlive(false);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.timerKeepsAlive = false;
    const now = performance.now();
    let due: DeadlineTarget[] | undefined;
    let dueAt: number[] | undefined;
    let lanesDue = 0;
    let next = Infinity;
    for (const lane of this.lanes.values()) {
      const { targets, expiries } = lane;
      const before = due?.length ?? 0;
      while (lane.head < targets.length) {
        const target = targets[lane.head];
        if (target !== undefined) {
          if (expiries[lane.head]! > now) break;
          (due ??= []).push(target);
          (dueAt ??= []).push(expiries[lane.head]!);
          target.deadlineLane = undefined;
          targets[lane.head] = undefined;
          this.live--;
        }
        lane.head++;
      }
      if ((due?.length ?? 0) > before) lanesDue++;
      lane.trim();
      if (lane.head < targets.length) next = Math.min(next, expiries[lane.head]!);
      else this.lanes.delete(lane.durationMs);
    }
    if (next !== Infinity) this.schedule(next);
    if (due === undefined) return;
    // Each lane is in order; a timer that ran late may hold several lanes' deadlines: merge them.
    if (lanesDue > 1) {
      const at = dueAt!;
      const order = due.map((_, i) => i).sort((a, b) => at[a]! - at[b]!);
      due = order.map((i) => due![i]!);
    }
    // Fired after the bookkeeping: a target may arm or cancel other deadlines.
    for (const target of due) target.onDeadline();
  }

  private schedule(expiry: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = expiry;
    // Runtimes fire a delay above 2^31 - 1 ms at once: wait the most they can, then again.
    this.timer = setTimeout(this.fire, Math.min(maxTimerDelayMs, Math.max(1, Math.ceil(expiry - performance.now()))));
    this.timerKeepsAlive = true;
    if (this.live === 0) this.keepAlive(false);
  }

  /** Refs or unrefs the timer where the runtime can (Node, Bun, Deno). */
  private keepAlive(alive: boolean): void {
    const timer = this.timer;
    if (timer === undefined || this.timerKeepsAlive === alive) return;
    this.timerKeepsAlive = alive;
    const t = timer as unknown as { ref?: () => void; unref?: () => void };
    if (typeof t.unref === "function") {
      if (alive) t.ref!();
      else t.unref();
      return;
    }
    const deno = (globalThis as { Deno?: { refTimer?: (id: number) => void; unrefTimer?: (id: number) => void } }).Deno;
    if (typeof timer === "number" && deno !== undefined) {
      if (alive) deno.refTimer?.(timer);
      else deno.unrefTimer?.(timer);
    } else if (!alive) {
      // A runtime that cannot unref a timer: clear it, so it does not hold the process.
      clearTimeout(timer);
      this.timer = undefined;
      this.armedFor = Infinity;
      this.timerKeepsAlive = false;
    }
  }
}

const maxTimerDelayMs = 2 ** 31 - 1;

/** The process's deadline timers, shared by every client and transport. */
export const deadlineTimers = new DeadlineTimers();
