import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The files the suite runs in child processes, bundled from the sources of this checkout. */
export interface BenchBundles {
  /** `syncvalue serve`, bundled from `src/cli/syncvalue-cli.ts`: the reference server. */
  cli: string;
  /** The Node entry of the SDK (`src/index-node.ts`), as an application bundle would hold it. */
  sdk: string;
  /** The cold-start and memory probe (`bench/suite/child-probe.ts`). */
  probe: string;
}

/** The repository root: the folder holding `package.json` above the running bundle or source. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

/**
 * Bundles the reference server, the SDK and the probe into `outDir` with
 * esbuild (dependencies stay in node_modules, as for an installed package).
 * Done at every run, in well under a second, so the benchmark always measures
 * the sources it sits next to, without a full `tsup` build.
 */
export async function buildBenchBundles(outDir: string): Promise<BenchBundles> {
  const root = repositoryRoot();
  const out = resolve(root, outDir);
  const entries = {
    cli: join(root, "src/cli/syncvalue-cli.ts"),
    sdk: join(root, "src/index-node.ts"),
    probe: join(root, "bench/suite/child-probe.ts"),
  };
  const bundles: Record<string, string> = {};
  await Promise.all(
    Object.entries(entries).map(async ([name, entry]) => {
      const outfile = join(out, `bench-${name}.mjs`);
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: "node",
        format: "esm",
        packages: "external",
        logLevel: "warning",
        // The CLI's shebang line stays valid in the output; nothing else needs a banner.
      });
      bundles[name] = outfile;
    }),
  );
  return bundles as unknown as BenchBundles;
}
