import type { BidDecisionResult } from "./section-bid-decision.js";
import type { CacheHitResult } from "./section-cache-hits.js";
import type { CodecRow } from "./section-codecs.js";
import type { ColdStartRow } from "./section-cold-start.js";
import type { EdgeBundleRow } from "./section-edge-bundle.js";
import type { FetchBundleRow } from "./section-fetch-bundles.js";
import type { MachineInfo } from "./machine-info.js";
import type { MicroBatchingResult } from "./section-micro-batching.js";
import type { PoolMemoryRow } from "./section-pool-memory.js";
import type { UnarySectionResult } from "./section-unary.js";
import type { WireBytesRow } from "./section-wire-bytes.js";

/** Everything one run measured: what the report, the chart and `benchmarks.json` are made from. */
export interface BenchmarkResults {
  mode: "quick" | "full" | "smoke";
  command: string;
  machine: MachineInfo;
  /** Load averages when the run ended (the machine's at the start are in `machine.load`). */
  loadAtEnd: number[];
  durationS: number;
  request: { description: string; tcpFrameBytes: number; protobufBytes: number };
  deadlineMs: number;
  unary: UnarySectionResult;
  /** The same clients against the near-free server (absent from runs made before it existed). */
  nearFree?: UnarySectionResult;
  cacheHits: CacheHitResult;
  microBatching: MicroBatchingResult;
  codecs: CodecRow[];
  wire: WireBytesRow[];
  coldStart: ColdStartRow[];
  edgeBundle: EdgeBundleRow[];
  /** The fetch transport's bundle against connect-web's (absent from runs made before it existed). */
  fetchBundles?: FetchBundleRow[];
  poolMemory: PoolMemoryRow[];
  bid: BidDecisionResult;
}

/** What `--only near-free` measured: the near-free section alone, with where and when. */
export interface NearFreeRunResults {
  mode: BenchmarkResults["mode"];
  command: string;
  machine: MachineInfo;
  loadAtEnd: number[];
  durationS: number;
  request: BenchmarkResults["request"];
  deadlineMs: number;
  nearFree: UnarySectionResult;
}
