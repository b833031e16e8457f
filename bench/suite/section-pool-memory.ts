import { runNodeJson } from "./child-process-json.js";
import { median } from "./quantiles.js";

export interface PoolMemoryRow {
  transport: "tcp" | "grpc";
  connections: number;
  /** JS heap + external memory per connection, bytes (median of runs). */
  heapBytes: number;
  /** Resident set size per connection, bytes (median of runs; noisier). */
  rssBytes: number;
}

interface PoolMemoryProbe {
  connections: number;
  open: number | undefined;
  heapPerConnection: number;
  rssPerConnection: number;
}

/**
 * Memory per pooled connection: a fresh process (with `--expose-gc`) opens a
 * pool of `connections` (TCP: `pool.min = max`; gRPC: `http2.sessions`), makes
 * one call per connection, and reports the growth after GC divided by the count.
 */
export async function runPoolMemorySection(
  probe: string,
  sdk: string,
  urls: { tcpUrl: string; httpUrl: string },
  connections: number,
  runs: number,
): Promise<PoolMemoryRow[]> {
  const rows: PoolMemoryRow[] = [];
  for (const transport of ["tcp", "grpc"] as const) {
    const samples: PoolMemoryProbe[] = [];
    for (let i = 0; i < runs; i++) {
      const url = transport === "tcp" ? urls.tcpUrl : urls.httpUrl;
      samples.push((await runNodeJson<PoolMemoryProbe>(["--expose-gc"], probe, ["pool-memory", sdk, url, String(connections)])).value);
    }
    rows.push({
      transport,
      connections,
      heapBytes: median(samples.map((s) => s.heapPerConnection)),
      rssBytes: median(samples.map((s) => s.rssPerConnection)),
    });
  }
  return rows;
}
