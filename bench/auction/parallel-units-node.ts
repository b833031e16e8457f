import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { runUnit, type UnitResult } from "./simulation-unit.js";

/** A unit of work: one scenario and seed. */
export interface UnitTask {
  scenario: string;
  seed: number;
  auctionsPerDay: number;
}

const workerFlag = "syncvalue-auction-simulation-worker";

/** True inside a simulation worker thread (the same bundle, started by {@link runUnitsInParallel}). */
export function isSimulationWorker(): boolean {
  return !isMainThread && workerData === workerFlag;
}

/** Serves tasks from the parent until told to stop. */
export function serveSimulationWorker(): void {
  parentPort!.on("message", (task: UnitTask | null) => {
    if (task === null) {
      parentPort!.close();
      return;
    }
    parentPort!.postMessage(runUnit(task.scenario, task.seed, task.auctionsPerDay));
  });
}

/**
 * Runs the tasks on `threads` worker threads (this same bundle), in order of
 * submission per worker, calling `onResult` as each finishes. Results are
 * deterministic whatever the scheduling: each unit depends only on its seed.
 */
export async function runUnitsInParallel(
  bundleUrl: string | URL,
  tasks: readonly UnitTask[],
  threads: number,
  onResult: (result: UnitResult) => void,
): Promise<void> {
  if (threads <= 1) {
    for (const task of tasks) onResult(runUnit(task.scenario, task.seed, task.auctionsPerDay));
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(threads, tasks.length) }, () => {
      const worker = new Worker(new URL(bundleUrl), { workerData: workerFlag });
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          if (next < tasks.length) worker.postMessage(tasks[next++]);
          else worker.postMessage(null);
        };
        worker.on("message", (result: UnitResult) => {
          onResult(result);
          feed();
        });
        worker.on("error", reject);
        worker.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
        feed();
      });
    }),
  );
}
