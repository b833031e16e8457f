// Cold start of the Node entry, this checkout against a git ref, in the same
// moment: the comparison to run before and after a change to what loads at
// start-up.
//
//   npm run build   # this checkout's side is its built package, dist/
//   npx esbuild bench/cold-start-compare.ts --bundle --platform=node --format=esm \
//     --packages=external --outfile=.build/bench/cold-start-compare.mjs \
//     && node .build/bench/cold-start-compare.mjs [--ref main] [--runs 15] [--ref-dist .build/main/dist]
//
// Five layouts per side: one minified ESM file (also without the HTTP
// transport, as a TCP-only application can bundle it), one minified CommonJS file,
// minified ESM with code splitting (an application importing the SDK, bundled
// with esbuild, every dependency inlined), and the installed package
// (dependencies left in node_modules). This checkout's side starts from
// dist/, as an application's bundler does: the package build ships Node's
// HTTP stack as its own self-contained file (tsup.config.ts), which a bundle
// of src/ would not have. The ref's side starts from its src/ (git archive),
// split with dependencies external for the installed layout: before that
// build step, a bundle of src/ and of dist/ held the same modules. They no
// longer do: a one-file bundle of src/ wraps Connect's index in lazily
// initialized modules that the SDK's import runs (protobuf's well-known types
// decoded at start-up), so it costs more than a bundle of dist/. To compare
// built packages, pass --ref-dist: the ref's dist/, built beforehand (a copy
// of `npm run build`'s output, inside this repository so that its package
// imports resolve from node_modules); both sides are then bundled alike.
// Fresh Node processes import each (and, with a reference server, create a
// client and await one prediction over tcp:// and over http://), interleaved
// so both sides share the machine's load; medians of the CPU time (user +
// system, every thread) and wall time. CPU time is the figure to compare on a
// busy machine: wall time there is mostly waiting for a core. Two yardsticks
// run in the same rounds: the cold-start floor (bench/suite/cold-start-floor.ts,
// a minimal tcp:// client in one bundled file, through the same probe) and
// Node's own start (`node -e 0`: CPU of the whole process, wall from spawn to
// exit), so a figure can be read against what the machine gives at that moment.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";
import { buildColdStartFloor, tcpOnlyBundle } from "./suite/bench-bundles.js";
import { startReferenceServer } from "./reference-server-process.js";

const repo = fileURLToPath(new URL("../../", import.meta.url)); // from .build/bench/
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const ref = arg("--ref", "main");
const runs = Number(arg("--runs", "15"));
const refDist = process.argv.includes("--ref-dist") ? fileURLToPath(new URL(arg("--ref-dist", ""), `file://${process.cwd()}/`)).replace(/\/?$/, "/") : undefined;
if (refDist && !existsSync(`${refDist}index-node.js`)) throw new Error(`--ref-dist: no index-node.js in ${refDist}`);
const scratch = `${repo}.build/bench/cold-start-compare`;
if (!existsSync(`${repo}dist/index-node.js`)) throw new Error("run `npm run build` first: this checkout's side is its dist/");

// Inside the repository, so the bundles' and the probe's package imports resolve from its node_modules.
rmSync(scratch, { recursive: true, force: true });
mkdirSync(`${scratch}/ref`, { recursive: true });
execFileSync("sh", ["-c", `git archive ${ref} src | tar -x -C ${scratch}/ref`], { cwd: repo });

// Without a URL: the import alone. With one: import, createClient, one prediction.
const probe = `${scratch}/cold-start-probe.mjs`;
writeFileSync(
  probe,
  `const [file, url] = process.argv.slice(2);
const c0 = process.cpuUsage();
const t0 = performance.now();
const sdk = file.endsWith(".cjs") ? (await import("node:module")).createRequire(import.meta.url)(file) : await import(file);
if (url) {
  const client = sdk.createClient({ prediction: url, timeoutMs: 5000 });
  const answer = await client.prediction.predictLTV({ customerId: "cold", platform: "meta", timestampMs: 1700000000000n,
    eventHistory: [{ timestampMs: 1699000000000n, eventType: "purchase", eventValue: 30 }] });
  if (!(answer.predictedLtv > 0)) throw new Error("empty prediction");
}
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 }));
process.exit(0);
`,
);

const layouts: Record<string, { options: BuildOptions; file: string }> = {
  "one ESM file": { options: { format: "esm", minify: true }, file: "index-node.mjs" },
  "one ESM file, TCP only": { options: { format: "esm", minify: true, plugins: [tcpOnlyBundle] }, file: "index-node.mjs" },
  "one CommonJS file": { options: { format: "cjs", minify: true }, file: "index-node.cjs" },
  "ESM, split": { options: { format: "esm", minify: true, splitting: true }, file: "index-node.mjs" },
  "installed (node_modules)": { options: { format: "esm", splitting: true, packages: "external" }, file: "index-node.mjs" },
};

const variants: { side: "ref" | "this" | "floor"; layout: string; file: string }[] = [];
for (const side of ["ref", "this"] as const) {
  for (const [i, [layout, { options, file }]] of Object.entries(layouts).entries()) {
    const dist = side === "this" ? `${repo}dist/` : refDist;
    if (dist && options.packages === "external") {
      variants.push({ side, layout, file: `${dist}index-node.js` });
      continue;
    }
    const outdir = `${scratch}/${side}-${i}`;
    const ext = file.endsWith(".cjs") ? ".cjs" : ".mjs";
    const entry = !dist
      ? { entryPoints: { "index-node": `${scratch}/ref/src/index-node.ts` } }
      : { stdin: { contents: `export * from ${JSON.stringify(`${dist}index-node.js`)};`, resolveDir: repo, loader: "js" as const, sourcefile: "index-node.js" } };
    await build({
      ...entry,
      bundle: true,
      platform: "node",
      ...(dist ? { outfile: `${outdir}/${file}` } : { outdir, outExtension: { ".js": ext } }),
      external: ["msgpackr-extract"],
      logLevel: "warning",
      ...options,
      // stdin has no name to split by: the split layout names its entry itself.
      ...(dist && options.splitting ? { outfile: undefined, outdir, stdin: undefined, entryPoints: { "index-node": `${dist}index-node.js` }, outExtension: { ".js": ext } } : {}),
    });
    variants.push({ side, layout, file: `${outdir}/${file}` });
  }
}

// The floor: no SDK, through the same probe (it has the probe's surface).
variants.push({ side: "floor", layout: "floor", file: await buildColdStartFloor(`${scratch}/floor/cold-start-floor.mjs`) });

const server = process.argv.includes("--no-server") ? undefined : await startReferenceServer(repo);
const targets: { name: string; url?: string }[] = [{ name: "import" }, ...(server ? [{ name: "tcp:// first answer", url: server.tcp }, { name: "http:// first answer", url: server.http }] : [])];
const samples = new Map<string, { cpuMs: number; wallMs: number }[]>();
const nodeStart: { cpuMs: number; wallMs: number }[] = [];
const load0 = loadavg()[0]!;
try {
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const c = JSON.parse(execFileSync(process.execPath, ["-e", "const c = process.cpuUsage(); console.log(JSON.stringify(c))"]).toString()) as { user: number; system: number };
    nodeStart.push({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - started });
    for (const t of targets) {
      for (const v of variants) {
        if (t.url?.startsWith("http") && (v.layout.endsWith("TCP only") || v.side === "floor")) continue; // their http:// calls fail by design
        const r = JSON.parse(execFileSync(process.execPath, [probe, v.file, ...(t.url ? [t.url] : [])]).toString()) as { cpuMs: number; wallMs: number };
        const key = `${t.name}\u0000${v.side}\u0000${v.layout}`;
        samples.set(key, [...(samples.get(key) ?? []), r]);
      }
    }
  }
} finally {
  if (server) process.kill(server.pid, "SIGKILL");
}
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`Node entry: ${ref} (${refDist ? `its dist/, ${refDist}` : "its src/"}) against this checkout (its dist/); Node ${process.version}, ${cpus().length} cores, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; medians of ${runs} fresh processes`);
console.log(`| what | layout | ${ref} CPU ms | this CPU ms | ratio | ${ref} wall ms | this wall ms |`);
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const t of targets) {
  for (const layout of Object.keys(layouts)) {
    const a = samples.get(`${t.name}\u0000ref\u0000${layout}`);
    const b = samples.get(`${t.name}\u0000this\u0000${layout}`);
    if (!a || !b) continue;
    const [ca, cb] = [median(a.map((s) => s.cpuMs)), median(b.map((s) => s.cpuMs))];
    const [wa, wb] = [median(a.map((s) => s.wallMs)), median(b.map((s) => s.wallMs))];
    console.log(`| ${t.name} | ${layout} | ${ca.toFixed(1)} | ${cb.toFixed(1)} | ${(cb / ca).toFixed(2)}x | ${wa.toFixed(1)} | ${wb.toFixed(1)} |`);
  }
}
for (const t of targets) {
  const f = samples.get(`${t.name}\u0000floor\u0000floor`);
  const b = samples.get(`${t.name}\u0000this\u0000one ESM file`);
  if (!f) continue;
  const [cf, wf] = [median(f.map((s) => s.cpuMs)), median(f.map((s) => s.wallMs))];
  const vs = b ? `; this one ESM file ${(median(b.map((s) => s.cpuMs)) / cf).toFixed(2)}x its CPU` : "";
  console.log(`floor (no SDK: a minimal tcp:// client in one bundled file), ${t.name}: ${cf.toFixed(1)} CPU ms, ${wf.toFixed(1)} wall ms${vs}`);
}
console.log(`Node's own start (\`node -e 0\`, whole process): ${median(nodeStart.map((s) => s.cpuMs)).toFixed(1)} CPU ms, ${median(nodeStart.map((s) => s.wallMs)).toFixed(1)} wall ms (spawn to exit)`);
