/**
 * Command line of `npm run soak`. Every loop of the soak is bounded by
 * `calls` and by `maxSeconds`, whichever comes first.
 */
export interface SoakOptions {
  /** Calls to make in total, half over TCP and half over gRPC. Default 1,000,000. */
  calls: number;
  /** Calls in flight per transport. Default 128. */
  concurrency: number;
  /** Hard bound on the faulted phase; the run stops early and says so. Default 1800 s. */
  maxSeconds: number;
  /** Seed of the workload and of the fault schedule. Default 1. */
  seed: number;
  /** Mean time between server kills (exponential). Default 4000 ms; 0 disables kills. */
  killMeanMs: number;
  /** Mean time between proxy resets of every connection (exponential). Default 1500 ms; 0 disables. */
  resetMeanMs: number;
  /** Deadline of each call. Default 2000 ms. */
  timeoutMs: number;
  /** Print the summary as one JSON line (for the short test) instead of a table. */
  json: boolean;
  /** Internal: which process this is. */
  role: "orchestrator" | "server" | "client";
  /** Internal (server role): ports and journal file. */
  httpPort: number;
  tcpPort: number;
  journal: string;
  /** Internal (client role): proxy URLs and the file of acknowledged writes. */
  grpcUrl: string;
  tcpUrl: string;
  ackedFile: string;
}

export const soakDefaults: SoakOptions = {
  calls: 1_000_000,
  concurrency: 128,
  maxSeconds: 1800,
  seed: 1,
  killMeanMs: 4000,
  resetMeanMs: 1500,
  timeoutMs: 2000,
  json: false,
  role: "orchestrator",
  httpPort: 0,
  tcpPort: 0,
  journal: "",
  grpcUrl: "",
  tcpUrl: "",
  ackedFile: "",
};

const numeric = new Set(["calls", "concurrency", "maxSeconds", "seed", "killMeanMs", "resetMeanMs", "timeoutMs", "httpPort", "tcpPort"]);

/** `--calls 5000 --max-seconds 60 --json` to options; unknown flags are an error. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const o: Record<string, unknown> = { ...soakDefaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const key = arg.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in soakDefaults)) throw new Error(`unknown option ${arg}`);
    if (key === "json") {
      o.json = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (numeric.has(key)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg}: expected a non-negative number`);
      o[key] = n;
    } else {
      o[key] = value;
    }
  }
  const opts = o as unknown as SoakOptions;
  if (opts.calls < 1 || opts.concurrency < 1) throw new Error("--calls and --concurrency must be at least 1");
  return opts;
}

/** The same options back to flags, for a child process. */
export function toFlags(o: Partial<SoakOptions>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === false) continue;
    const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (v === true) out.push(flag);
    else out.push(flag, String(v));
  }
  return out;
}
