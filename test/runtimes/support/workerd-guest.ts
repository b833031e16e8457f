import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { bundleGuest } from "./bundle-guest.js";

/** A guest Worker bundled as wrangler would and running in workerd (Miniflare), with what it printed. */
export interface WorkerdGuest {
  readonly mf: Miniflare;
  /** The bundle's input files (to check which build of the package it loaded). */
  readonly inputs: string[];
  /** Everything the Worker wrote to stdout and stderr so far. */
  logged(): string;
}

/**
 * Bundles `entry` (under test/runtimes/guest/) with the conditions wrangler
 * uses (`workerd`, `worker`, `browser`; `cloudflare:sockets` provided by the
 * runtime) and starts it in Miniflare. The caller disposes `mf`.
 */
export async function startWorkerdGuest(entry: string): Promise<WorkerdGuest> {
  const { code, inputs } = await bundleGuest({
    entry,
    outfile: entry.replace(/\.ts$/, ".mjs"),
    conditions: ["workerd", "worker", "browser"],
    format: "esm",
    external: ["cloudflare:sockets"],
  });
  let logged = "";
  const mf = new Miniflare({
    modules: true,
    script: code,
    compatibilityDate: "2025-04-01",
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on("data", (c: Buffer) => (logged += c.toString()));
      stderr.on("data", (c: Buffer) => (logged += c.toString()));
    },
  });
  return { mf, inputs, logged: () => logged };
}
