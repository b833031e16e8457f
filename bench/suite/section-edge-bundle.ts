import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** One edge function as scripts/check-bundle-size.mjs bundles it from the built package. */
export interface EdgeBundleRow {
  /** Which function and runtime conditions (`edge (edge-light)`, `workerd`, `edge with createClient (edge-light)`). */
  target: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Chunks reached only through import() (Deno's and Bun's TCP transport), gzipped: loaded on first use, not in `gzipBytes`. */
  lazyGzipBytes?: number;
}

/**
 * The edge bundle sizes, from the same script CI runs (so the report and the
 * CI check cannot disagree). It bundles `dist/`: `npm run build` first.
 */
export async function runEdgeBundleSection(root: string): Promise<EdgeBundleRow[]> {
  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("edge bundle: dist/ is missing; run `npm run build` first");
  // Limits out of the way: this only reports; CI enforces them.
  const args = [join(root, "scripts", "check-bundle-size.mjs"), "--json", "--max-kb", "1000", "--max-kb-full", "1000", "--max-kb-sockets", "1000", "--max-kb-client", "1000"];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, args, { cwd: root, timeout: 120_000, killSignal: "SIGKILL" }, (err, out, stderr) =>
      err ? reject(new Error(`edge bundle check failed: ${err.message}\n${stderr}`)) : resolve(out),
    ),
  );
  const json = stdout.split("\n").find((line) => line.startsWith("["));
  if (json === undefined) throw new Error(`edge bundle check printed no JSON: ${stdout}`);
  type Printed = EdgeBundleRow & { lazyChunks?: { gzipBytes: number } };
  return (JSON.parse(json) as Printed[]).map(({ target, minifiedBytes, gzipBytes, lazyChunks }) => ({
    target,
    minifiedBytes,
    gzipBytes,
    ...(lazyChunks ? { lazyGzipBytes: lazyChunks.gzipBytes } : {}),
  }));
}
