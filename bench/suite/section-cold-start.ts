import { runNodeJson } from "./child-process-json.js";
import { median } from "./quantiles.js";

/** The timings the probe measures in one fresh process (see child-probe.ts), in ms. */
interface ColdStartTimings {
  nodeStartMs: number;
  importMs: number;
  createMs: number;
  firstCallMs: number;
  secondCallMs: number;
  /** Import + createClient + first answer: what the SDK adds to a cold start. */
  toFirstPredictionMs: number;
  /** From the process's time origin to the first answer (Node's start included). */
  sinceProcessStartMs: number;
}

/** What the probe reports. */
interface ColdStartProbe extends ColdStartTimings {
  ok: boolean;
}

/**
 * How the SDK is loaded in a cold-start run; `"floor"` loads no SDK but the
 * minimal tcp:// client of cold-start-floor.ts, bundled into one file.
 */
export type ColdStartPackaging = "package" | "bundle" | "bundle-tcp-only" | "floor";

/** How a report names a packaging. */
export const coldStartPackagingLabel: Record<ColdStartPackaging, string> = {
  package: "package + node_modules",
  bundle: "one bundled file",
  "bundle-tcp-only": "one bundled file, TCP only",
  floor: "no SDK: minimal client (msgpackr + node:net), one bundled file",
};

/** One transport and packaging: each timing is the median over `runs` fresh processes. */
export interface ColdStartRow extends ColdStartTimings {
  transport: "tcp" | "grpc";
  /**
   * How the SDK was loaded: `"package"` (dependencies from node_modules), `"bundle"` (one file) or
   * `"bundle-tcp-only"` (one file without the HTTP transport, tcp:// only); `"floor"`: the minimal client instead.
   */
  packaging: ColdStartPackaging;
  /**
   * TCP rows of the SDK: import → first answer minus the floor's in the same
   * round (the median of the differences), and the ratio of the medians.
   */
  overFloor?: { ms: number; ratio: number };
  /** From spawn to exit, seen by the parent. */
  spawnToExitMs: number;
  runs: number;
}

/**
 * Cold start to first prediction: a fresh Node process imports the SDK,
 * creates a client with defaults and awaits one `predictLTV` (connection
 * set-up included), over TCP and over gRPC, with the SDK loaded as an
 * installed package (dependencies from node_modules, many files), as one
 * bundled file and (TCP only) as one bundled file without the HTTP transport;
 * medians of `runs`. In every round the floor (a minimal tcp:// client, one
 * bundled file) runs too, so each TCP row also says what the SDK adds to what
 * any client pays in that moment.
 */
export async function runColdStartSection(
  probe: string,
  sdk: Record<ColdStartPackaging, string>,
  urls: { tcpUrl: string; httpUrl: string },
  runs: number,
): Promise<ColdStartRow[]> {
  const variants = (["package", "bundle", "bundle-tcp-only", "floor"] as const).flatMap((packaging) =>
    (packaging === "bundle-tcp-only" || packaging === "floor" ? (["tcp"] as const) : (["tcp", "grpc"] as const)).map((transport) => ({ packaging, transport })),
  );
  const samples = variants.map(() => [] as { value: ColdStartProbe; wallMs: number }[]);
  // Interleaved, so the variants share the machine's moods alike.
  for (let i = 0; i < runs; i++) {
    for (const [k, { packaging, transport }] of variants.entries()) {
      const r = await runNodeJson<ColdStartProbe>([], probe, ["cold-start", sdk[packaging], transport === "tcp" ? urls.tcpUrl : urls.httpUrl]);
      if (!r.value.ok) throw new Error(`cold start over ${transport}: the first prediction was empty`);
      samples[k]!.push(r);
    }
  }
  const rows: ColdStartRow[] = [];
  const floor = samples[variants.findIndex((v) => v.packaging === "floor")]!;
  for (const [k, { packaging, transport }] of variants.entries()) {
    const m = (pick: (p: ColdStartProbe) => number) => median(samples[k]!.map((s) => pick(s.value)));
    const overFloor =
      transport === "tcp" && packaging !== "floor"
        ? {
            ms: median(samples[k]!.map((s, i) => s.value.toFirstPredictionMs - floor[i]!.value.toFirstPredictionMs)),
            ratio: m((p) => p.toFirstPredictionMs) / median(floor.map((s) => s.value.toFirstPredictionMs)),
          }
        : undefined;
    rows.push({
      transport,
      packaging,
      nodeStartMs: m((p) => p.nodeStartMs),
      importMs: m((p) => p.importMs),
      createMs: m((p) => p.createMs),
      firstCallMs: m((p) => p.firstCallMs),
      secondCallMs: m((p) => p.secondCallMs),
      toFirstPredictionMs: m((p) => p.toFirstPredictionMs),
      sinceProcessStartMs: m((p) => p.sinceProcessStartMs),
      spawnToExitMs: median(samples[k]!.map((s) => s.wallMs)),
      runs,
      ...(overFloor ? { overFloor } : {}),
    });
  }
  return rows;
}
