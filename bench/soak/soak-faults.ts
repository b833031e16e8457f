import { createSeededRandom } from "../../src/bid/seeded-random.js";
import type { ServerProcess } from "../../test/support/server-process.js";
import type { TcpFaultProxy } from "../../test/support/tcp-fault-proxy.js";

/** What the fault schedule did. */
export interface FaultCounts {
  kills: number;
  restarts: number;
  /** Total time without a listening server, ms. */
  downtimeMs: number;
  resetEvents: number;
  /** Connections reset by the proxies, summed over the events. */
  connectionsReset: number;
}

export interface FaultSchedule {
  readonly counts: FaultCounts;
  /** Stops both loops and waits until the server is up again. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Kills the server (SIGKILL, by PID) and restarts it on the same ports at
 * random intervals, and resets every connection of a proxy at other random
 * intervals; both exponential with the given means, seeded. Each loop ends
 * when stopped or after `maxMs`.
 */
export function startFaults(options: {
  seed: number;
  killMeanMs: number;
  resetMeanMs: number;
  maxMs: number;
  proxies: TcpFaultProxy[];
  server: () => ServerProcess;
  restart: () => Promise<void>;
}): FaultSchedule {
  const random = createSeededRandom(options.seed);
  const exp = (mean: number) => Math.min(mean * 4, Math.max(50, -mean * Math.log(1 - random.next())));
  const counts: FaultCounts = { kills: 0, restarts: 0, downtimeMs: 0, resetEvents: 0, connectionsReset: 0 };
  const end = Date.now() + options.maxMs;
  let stopped = false;
  const running = () => !stopped && Date.now() < end;

  const killer = (async () => {
    if (options.killMeanMs <= 0) return;
    while (running()) {
      await sleep(exp(options.killMeanMs));
      if (!running()) break;
      const down = Date.now();
      await options.server().kill();
      counts.kills++;
      await sleep(100 + random.next() * 500);
      await options.restart();
      counts.restarts++;
      counts.downtimeMs += Date.now() - down;
    }
  })();
  const resetter = (async () => {
    if (options.resetMeanMs <= 0) return;
    while (running()) {
      await sleep(exp(options.resetMeanMs));
      if (!running()) break;
      const proxy = options.proxies[Math.floor(random.next() * options.proxies.length)]!;
      counts.connectionsReset += proxy.open;
      proxy.resetAll();
      counts.resetEvents++;
    }
  })();
  return {
    counts,
    async stop() {
      stopped = true;
      await Promise.all([killer, resetter]);
    },
  };
}
