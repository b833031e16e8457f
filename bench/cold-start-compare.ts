// Import cost of the Node entry, this checkout against a git ref, in the same
// moment: the comparison to run before and after a change to what loads at
// start-up.
//
//   npx esbuild bench/cold-start-compare.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/cold-start-compare.mjs \
//     && node .build/bench/cold-start-compare.mjs [--ref main] [--runs 15]
//
// `src/` of the ref (git archive) and of the working tree are bundled with
// esbuild in four layouts: one minified ESM file, one minified CommonJS file,
// minified ESM with code splitting, and split with dependencies left in
// node_modules (as the installed package's dist/ loads). Fresh Node processes
// import each, interleaved so both sides share the machine's load; medians of
// the CPU time (user + system, every thread) and wall time of the import.
// CPU time is the figure to compare on a busy machine: wall time there is
// mostly waiting for a core.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";

const repo = fileURLToPath(new URL("../../", import.meta.url)); // from .build/bench/
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const ref = arg("--ref", "main");
const runs = Number(arg("--runs", "15"));
const scratch = `${repo}.build/bench/cold-start-compare`;

// Inside the repository, so the bundles' and the probe's package imports resolve from its node_modules.
rmSync(scratch, { recursive: true, force: true });
mkdirSync(`${scratch}/ref`, { recursive: true });
execFileSync("sh", ["-c", `git archive ${ref} src | tar -x -C ${scratch}/ref`], { cwd: repo });

const probe = `${scratch}/import-probe.mjs`;
writeFileSync(
  probe,
  `const file = process.argv[2];
const c0 = process.cpuUsage();
const t0 = performance.now();
if (file.endsWith(".cjs")) (await import("node:module")).createRequire(import.meta.url)(file);
else await import(file);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 }));
`,
);

const layouts: Record<string, { options: BuildOptions; file: string }> = {
  "one ESM file": { options: { format: "esm", minify: true }, file: "index-node.mjs" },
  "one CommonJS file": { options: { format: "cjs", minify: true }, file: "index-node.cjs" },
  "ESM, split": { options: { format: "esm", minify: true, splitting: true }, file: "index-node.mjs" },
  "installed (split, node_modules)": { options: { format: "esm", splitting: true, packages: "external" }, file: "index-node.mjs" },
};

const variants: { side: "ref" | "this"; layout: string; file: string }[] = [];
for (const [side, root] of [["ref", `${scratch}/ref/`], ["this", repo]] as const) {
  for (const [i, [layout, { options, file }]] of Object.entries(layouts).entries()) {
    const outdir = `${scratch}/${side}-${i}`;
    const ext = file.endsWith(".cjs") ? ".cjs" : ".mjs";
    await build({
      entryPoints: { "index-node": `${root}src/index-node.ts` },
      bundle: true,
      platform: "node",
      outdir,
      outExtension: { ".js": ext },
      external: ["msgpackr-extract"],
      logLevel: "warning",
      ...options,
    });
    variants.push({ side, layout, file: `${outdir}/${file}` });
  }
}

const samples = new Map<string, { cpuMs: number; wallMs: number }[]>();
const load0 = loadavg()[0]!;
for (let i = 0; i < runs; i++) {
  for (const v of variants) {
    const r = JSON.parse(execFileSync(process.execPath, [probe, v.file]).toString()) as { cpuMs: number; wallMs: number };
    const key = `${v.side}\u0000${v.layout}`;
    samples.set(key, [...(samples.get(key) ?? []), r]);
  }
}
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`import of src/index-node.ts: ${ref} against this checkout; Node ${process.version}, ${cpus().length} cores, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; medians of ${runs} fresh processes`);
console.log(`| layout | ${ref} CPU ms | this CPU ms | ratio | ${ref} wall ms | this wall ms |`);
console.log("|---|---:|---:|---:|---:|---:|");
for (const layout of Object.keys(layouts)) {
  const a = samples.get(`ref\u0000${layout}`)!;
  const b = samples.get(`this\u0000${layout}`)!;
  const [ca, cb] = [median(a.map((s) => s.cpuMs)), median(b.map((s) => s.cpuMs))];
  const [wa, wb] = [median(a.map((s) => s.wallMs)), median(b.map((s) => s.wallMs))];
  console.log(`| ${layout} | ${ca.toFixed(1)} | ${cb.toFixed(1)} | ${(cb / ca).toFixed(2)}x | ${wa.toFixed(1)} | ${wb.toFixed(1)} |`);
}
