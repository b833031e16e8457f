import { closedLoop, mergeLoopResults, type LoopResult } from "./closed-loop.js";
import type { ContenderFactory, ContenderTarget, UnaryContender } from "./contenders/unary-contender.js";
import { median } from "./quantiles.js";

/** Medians over rounds of one contender at one concurrency. */
export interface UnaryCell {
  contender: string;
  concurrency: number;
  callsPerSecond: number;
  /** Lowest and highest calls/s over the rounds: the spread the median hides. */
  callsPerSecondMin: number;
  callsPerSecondMax: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  cpuUsPerCall: number;
  /** The reference server's CPU per call (all its threads). */
  serverCpuUsPerCall: number;
  /** Garbage collections per 1,000 calls, time in GC per call, event loop delay p99 (NaN unless observed, see `closedLoop`). */
  gcsPerKCall?: number;
  gcUsPerCall?: number;
  loopDelayP99Us?: number;
  /** Summed over rounds. */
  calls: number;
  errors: number;
  firstError: string | undefined;
}

export interface UnarySectionResult {
  contenders: { id: string; name: string; sequentialOnly: boolean }[];
  concurrencies: number[];
  rounds: number;
  cellMs: number;
  /** Slices each round's cell at concurrency 1 was run in (see {@link UnarySectionOptions.slicesAtConcurrency1}); absent: 1. */
  slicesAtConcurrency1?: number;
  cells: UnaryCell[];
}

export interface UnarySectionOptions {
  factories: readonly ContenderFactory[];
  target: ContenderTarget;
  concurrencies: readonly number[];
  rounds: number;
  /** Measured time of one contender at one concurrency in one round. */
  cellMs: number;
  warmupMs: number;
  log: (line: string) => void;
  /** Reads the server process's CPU time, in microseconds. */
  serverCpuMicros?: () => number | undefined;
  /** Count GCs and sample event loop delay in every cell (see `closedLoop`). Default false. */
  observeRuntime?: boolean;
  /**
   * At concurrency 1, run each round's cell as this many slices of
   * `cellMs / n` (after `warmupMs / n` each), every contender's slice in turn,
   * the order rotated each slice, and count the round's figures over its
   * slices together. Throughput at c=1 is one over latency, so it moves with
   * every change in the machine's load: slices spread each contender's
   * round over the same stretch of time as the others', where one cell each
   * lands the whole cell in whatever spell of load it runs in. Default 1.
   */
  slicesAtConcurrency1?: number;
}

/**
 * Unary `PredictLTV` against the same server: every contender at every
 * concurrency, in interleaved rounds (the order rotates each round), so slow
 * drifts of a shared machine fall on everyone alike; each figure is the
 * median of its rounds.
 */
export async function runUnarySection(options: UnarySectionOptions): Promise<UnarySectionResult> {
  const { target, concurrencies, rounds, cellMs, warmupMs, log } = options;
  const slicesAtC1 = options.slicesAtConcurrency1 ?? 1;
  if (!Number.isInteger(slicesAtC1) || slicesAtC1 < 1) throw new Error(`slicesAtConcurrency1: a positive integer, got ${slicesAtC1}`);
  const contenders: UnaryContender[] = [];
  try {
    for (const factory of options.factories) contenders.push(await factory(target));
    const samples = new Map<string, LoopResult[]>();
    const key = (id: string, c: number) => `${id}@${c}`;
    for (let round = 0; round < rounds; round++) {
      for (const [ci, concurrency] of concurrencies.entries()) {
        const eligible = contenders.filter((c) => concurrency === 1 || !c.sequentialOnly);
        const slices = concurrency === 1 ? slicesAtC1 : 1;
        const parts = new Map<UnaryContender, LoopResult[]>(eligible.map((c) => [c, []]));
        for (let slice = 0; slice < slices; slice++) {
          const shift = (round + ci + slice) % eligible.length;
          const order = [...eligible.slice(shift), ...eligible.slice(0, shift)];
          for (const contender of order) {
            const r = await closedLoop(contender.call, {
              concurrency,
              durationMs: cellMs / slices,
              warmupMs: warmupMs / slices,
              serverCpuMicros: options.serverCpuMicros,
              observeRuntime: options.observeRuntime,
              keepLatencies: slices > 1,
            });
            parts.get(contender)!.push(r);
          }
        }
        const line: string[] = [];
        for (const contender of eligible) {
          const r = mergeLoopResults(parts.get(contender)!);
          // The round's figures are kept; its latencies are not needed any more.
          delete r.latencies;
          const list = samples.get(key(contender.id, concurrency)) ?? [];
          list.push(r);
          samples.set(key(contender.id, concurrency), list);
          line.push(`${contender.id} ${Math.round(r.callsPerSecond)}/s${r.errors ? ` (${r.errors} errors)` : ""}`);
        }
        log(`  unary round ${round + 1}/${rounds}, c=${concurrency}${slices > 1 ? ` (${slices} slices)` : ""}: ${line.join(", ")}`);
      }
    }
    const cells: UnaryCell[] = [];
    for (const contender of contenders) {
      for (const concurrency of concurrencies) {
        const list = samples.get(key(contender.id, concurrency));
        if (!list) continue;
        cells.push({
          contender: contender.id,
          concurrency,
          callsPerSecond: median(list.map((r) => r.callsPerSecond)),
          callsPerSecondMin: Math.min(...list.map((r) => r.callsPerSecond)),
          callsPerSecondMax: Math.max(...list.map((r) => r.callsPerSecond)),
          p50Us: median(list.map((r) => r.p50Us)),
          p95Us: median(list.map((r) => r.p95Us)),
          p99Us: median(list.map((r) => r.p99Us)),
          cpuUsPerCall: median(list.map((r) => r.cpuUsPerCall)),
          serverCpuUsPerCall: median(list.map((r) => r.serverCpuUsPerCall)),
          ...(options.observeRuntime
            ? {
                gcsPerKCall: median(list.map((r) => r.gcsPerKCall)),
                gcUsPerCall: median(list.map((r) => r.gcUsPerCall)),
                loopDelayP99Us: median(list.map((r) => r.loopDelayP99Us)),
              }
            : {}),
          calls: list.reduce((s, r) => s + r.calls, 0),
          errors: list.reduce((s, r) => s + r.errors, 0),
          firstError: list.find((r) => r.firstError !== undefined)?.firstError,
        });
      }
    }
    return {
      contenders: contenders.map((c) => ({ id: c.id, name: c.name, sequentialOnly: c.sequentialOnly === true })),
      concurrencies: [...concurrencies],
      rounds,
      cellMs,
      ...(slicesAtC1 > 1 ? { slicesAtConcurrency1: slicesAtC1 } : {}),
      cells,
    };
  } finally {
    await Promise.all(contenders.map((c) => c.close().catch(() => undefined)));
  }
}
