import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/** The files the suite runs in child processes, bundled from the sources of this checkout. */
export interface BenchBundles {
  /** `syncvalue serve`, bundled from `src/cli/syncvalue-cli.ts`: the reference server. */
  cli: string;
  /** The Node entry of the SDK (`src/index-node.ts`) with its dependencies left in node_modules and split into chunks like dist/, as an installed package loads. */
  sdk: string;
  /**
   * An application importing `syncvalue` (the built package: dist/, through
   * package.json "exports"), bundled into one ESM file with every dependency,
   * as a serverless application is usually shipped. Built when dist/ exists.
   */
  sdkStandalone: string;
  /** The same without the SDK's lazily loaded HTTP transport ({@link tcpOnlyBundle}), as a tcp://-only application can ship it. */
  sdkStandaloneTcpOnly: string;
  /**
   * The cold-start floor (`bench/suite/cold-start-floor.ts`: msgpackr and one
   * node:net socket, the probe's surface), bundled into one ESM file with
   * msgpackr inlined, as {@link sdkStandalone} is.
   */
  coldStartFloor: string;
  /** The built package's Node entry (dist/index-node.js), as `npm install syncvalue` loads it. */
  sdkPackage: string;
  /** The cold-start and memory probe (`bench/suite/child-probe.ts`). */
  probe: string;
  /** The near-free server (`bench/suite/near-free-server.ts`): pre-encoded answers over TCP, gRPC and Connect JSON. */
  nearFree: string;
}

/**
 * An esbuild plugin that leaves the SDK's lazily loaded HTTP transport out of a
 * bundle (its `import()` stays, and fails if an http(s) client is created): the
 * recipe of docs/packaging-and-types.md, "A TCP-only bundle".
 */
export const tcpOnlyBundle: Plugin = {
  name: "syncvalue-tcp-only",
  setup(b) {
    b.onResolve({ filter: /^\.\/node-http-transport[-.]/ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined));
  },
};

/**
 * Resolves msgpackr's `pack` and `unpack` to its own files (pack.js,
 * unpack.js): under Node's conditions both exports are its index, which also
 * loads its streams, iterators and native addon, more than a minimal client needs.
 */
const msgpackrFiles: Plugin = {
  name: "msgpackr-files",
  setup(b) {
    b.onResolve({ filter: /^msgpackr\/(pack|unpack)$/ }, (a) => {
      for (let dir = a.resolveDir; ; dir = dirname(dir)) {
        const file = join(dir, `node_modules/msgpackr/${a.path.slice("msgpackr/".length)}.js`);
        if (existsSync(file)) return { path: file };
        if (dirname(dir) === dir) return { errors: [{ text: `${a.path}: msgpackr not found in any node_modules folder` }] };
      }
    });
  },
};

/** Bundles the cold-start floor (`bench/suite/cold-start-floor.ts`) into `outfile`, msgpackr inlined; returns `outfile`. */
export async function buildColdStartFloor(outfile: string): Promise<string> {
  const entry = join(repositoryRoot(), "bench/suite/cold-start-floor.ts");
  await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", logLevel: "warning", outfile, plugins: [msgpackrFiles] });
  return outfile;
}

/** The repository root: the folder holding `package.json` above the running bundle or source. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

/**
 * Bundles the reference server, the near-free server, the SDK and the probe into `outDir` with
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
    nearFree: join(root, "bench/suite/near-free-server.ts"),
  };
  const bundles: Record<string, string> = {};
  const common = { bundle: true, platform: "node", format: "esm", logLevel: "warning" } as const;
  await Promise.all([
    ...Object.entries(entries).map(async ([name, entry]) => {
      if (name === "sdk") {
        // Split like the package's dist/ (tsup `splitting`): what loads lazily
        // (the Node HTTP stack) is its own file, as for an installed package.
        const outdir = join(out, "bench-sdk");
        await build({ ...common, entryPoints: { "index-node": entry }, outdir, splitting: true, outExtension: { ".js": ".mjs" }, packages: "external" });
        bundles[name] = join(outdir, "index-node.mjs");
        return;
      }
      const outfile = join(out, `bench-${name}.mjs`);
      await build({ ...common, entryPoints: [entry], outfile, packages: "external" });
      bundles[name] = outfile;
    }),
    (async () => {
      bundles["coldStartFloor"] = await buildColdStartFloor(join(out, "bench-cold-start-floor.mjs"));
    })(),
    (async () => {
      bundles["sdkPackage"] = join(root, "dist/index-node.js");
      if (!existsSync(bundles["sdkPackage"])) return;
      const outfile = join(out, "bench-sdk-standalone.mjs");
      const tcpOnlyOutfile = join(out, "bench-sdk-standalone-tcp-only.mjs");
      // From dist/, not src/: the package build ships Node's HTTP stack as its own
      // self-contained file (tsup.config.ts), which a bundle of src/ would not have.
      // msgpackr's optional native addon stays out (it is loaded with require when present).
      // No tsconfig: its `paths` map "syncvalue" to src/index-node.ts (for the tests and
      // type checks), which would bundle the sources, not the package an application installs.
      const standalone = {
        ...common,
        tsconfigRaw: "{}",
        stdin: { contents: 'export { createClient } from "syncvalue";', resolveDir: root, loader: "js" as const },
        external: ["msgpackr-extract"],
      };
      await Promise.all([build({ ...standalone, outfile }), build({ ...standalone, outfile: tcpOnlyOutfile, plugins: [tcpOnlyBundle] })]);
      bundles["sdkStandalone"] = outfile;
      bundles["sdkStandaloneTcpOnly"] = tcpOnlyOutfile;
    })(),
  ]);
  return bundles as unknown as BenchBundles;
}
