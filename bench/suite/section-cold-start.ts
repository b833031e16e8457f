import { runNodeJson } from "./child-process-json.js";
import { median } from "./quantiles.js";

/** What the probe reports (see child-probe.ts), in ms. */
interface ColdStartProbe {
  nodeStartMs: number;
  importMs: number;
  createMs: number;
  firstCallMs: number;
  secondCallMs: number;
  toFirstPredictionMs: number;
  sinceProcessStartMs: number;
  ok: boolean;
}

export interface ColdStartRow {
  transport: "tcp" | "grpc";
  /** Medians over `runs` fresh processes, ms. */
  nodeStartMs: number;
  importMs: number;
  createMs: number;
  firstCallMs: number;
  secondCallMs: number;
  /** Import + createClient + first answer: what the SDK adds to a cold start. */
  toFirstPredictionMs: number;
  /** From the process's time origin to the first answer (Node's start included). */
  sinceProcessStartMs: number;
  /** From spawn to exit, seen by the parent. */
  spawnToExitMs: number;
  runs: number;
}

/**
 * Cold start to first prediction: a fresh Node process imports the SDK
 * bundle, creates a client with defaults and awaits one `predictLTV`
 * (connection set-up included), over TCP and over gRPC; medians of `runs`.
 */
export async function runColdStartSection(
  probe: string,
  sdk: string,
  urls: { tcpUrl: string; httpUrl: string },
  runs: number,
): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  for (const transport of ["tcp", "grpc"] as const) {
    const samples: { value: ColdStartProbe; wallMs: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNodeJson<ColdStartProbe>([], probe, ["cold-start", sdk, transport === "tcp" ? urls.tcpUrl : urls.httpUrl]);
      if (!r.value.ok) throw new Error(`cold start over ${transport}: the first prediction was empty`);
      samples.push(r);
    }
    const m = (pick: (p: ColdStartProbe) => number) => median(samples.map((s) => pick(s.value)));
    rows.push({
      transport,
      nodeStartMs: m((p) => p.nodeStartMs),
      importMs: m((p) => p.importMs),
      createMs: m((p) => p.createMs),
      firstCallMs: m((p) => p.firstCallMs),
      secondCallMs: m((p) => p.secondCallMs),
      toFirstPredictionMs: m((p) => p.toFirstPredictionMs),
      sinceProcessStartMs: m((p) => p.sinceProcessStartMs),
      spawnToExitMs: median(samples.map((s) => s.wallMs)),
      runs,
    });
  }
  return rows;
}
