import { build } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const outDir = `${repo}.build/runtimes`;

/** How a runtime's bundler would see the package: its export conditions and module format. */
export interface GuestBundleOptions {
  /** Guest source file under test/runtimes/guest/, or an absolute path. */
  entry?: string;
  /** Or the entry's code, resolved from the repo root. */
  stdin?: string;
  /** Output file name under .build/runtimes/. */
  outfile: string;
  /** Export conditions, in the runtime's order (wrangler: workerd, worker, browser). */
  conditions: string[];
  format: "esm" | "iife";
  /** Modules the runtime provides (e.g. `cloudflare:sockets`). */
  external?: string[];
}

/**
 * Bundles a guest script the way the runtime's own tooling would (wrangler,
 * Vercel), resolving `syncvalue` to the BUILT package through its
 * package.json "exports" and the runtime's conditions. Returns the code.
 */
export async function bundleGuest(options: GuestBundleOptions): Promise<{ code: string; path: string; inputs: string[] }> {
  mkdirSync(outDir, { recursive: true });
  const path = `${outDir}/${options.outfile}`;
  const result = await build({
    ...(options.stdin !== undefined
      ? { stdin: { contents: options.stdin, resolveDir: repo, loader: "ts" as const } }
      : { entryPoints: [options.entry!.startsWith("/") ? options.entry! : `${repo}test/runtimes/guest/${options.entry}`] }),
    outfile: path,
    bundle: true,
    write: true,
    format: options.format,
    platform: "neutral",
    target: "es2022",
    conditions: options.conditions,
    mainFields: ["browser", "module", "main"],
    external: options.external ?? [],
    // Resolve `syncvalue` from the repo root as an installed package would be, not through tsconfig paths.
    tsconfigRaw: "{}",
    logLevel: "silent",
    metafile: true,
  });
  return { code: readFileSync(path, "utf8"), path, inputs: Object.keys(result.metafile.inputs) };
}
