import type { Bidder } from "../../src/bid/index.js";
import type { AuctionEvent } from "./auction-generator.js";

/** An outcome notice the simulated exchange will deliver at `due` (ms into the day). */
export interface Notice {
  due: number;
  decisionId: string;
  won: boolean;
  priceCpm: number | undefined;
  minBidToWinCpm: number | undefined;
}

/**
 * The simulated exchange's outcome notices, in order of delivery. Each comes
 * its own delay after its bid, so they come due out of order; the simulation,
 * its traces and the decision-time probe all deliver them the same way.
 */
export class NoticeQueue {
  private readonly pending: Notice[] = [];

  /** Queues a notice in order of `due` (after those due at the same time). */
  add(notice: Notice): void {
    const q = this.pending;
    let i = q.length;
    while (i > 0 && q[i - 1]!.due > notice.due) i--;
    q.splice(i, 0, notice);
  }

  /**
   * Queues what the exchange says of a bid placed at `bidAt` on auction `e`:
   * a win at `priceCpm`, or (`priceCpm` undefined) a loss, which only some
   * auctions send. `toWinCpm` is the minimum bid to win, sent when the
   * auction sends it.
   */
  addOutcome(e: AuctionEvent, decisionId: string, bidAt: number, priceCpm: number | undefined, toWinCpm: number): void {
    const won = priceCpm !== undefined;
    if (!won && !e.lossNoticeSent) return;
    this.add({
      due: bidAt + e.noticeDelayMs,
      decisionId,
      won,
      priceCpm,
      minBidToWinCpm: e.minBidToWinSent ? toWinCpm : undefined,
    });
  }

  /**
   * Delivers to `bidder`, in order, every notice due by `t`; `at(due)` first
   * moves the simulation's clock to the notice's time. Returns how many.
   */
  deliverUntil(t: number, bidder: Pick<Bidder, "recordOutcome">, at: (due: number) => void): number {
    const q = this.pending;
    let delivered = 0;
    while (q.length > 0 && q[0]!.due <= t) {
      const notice = q.shift()!;
      at(notice.due);
      bidder.recordOutcome(notice);
      delivered++;
    }
    return delivered;
  }
}
