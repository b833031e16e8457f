#!/usr/bin/env node
// Runs one of examples/ on Node against the built package, as a user's code
// would import it (`syncvalue` through package.json "exports"): bundles
// examples/NAME.ts with esbuild (installed as a dev dependency; no tsx
// needed) into .build/examples/NAME.mjs, leaving packages external, then runs
// it with the remaining arguments. `npm run build` first.
// Usage: npm run example -- NAME [ARGS...]   (e.g. npm run example -- bid-only-embed)
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const [name, ...args] = process.argv.slice(2);
const names = readdirSync(`${root}examples`).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
if (!name || !names.includes(name.replace(/\.ts$/, ""))) {
  console.error(`usage: npm run example -- NAME [ARGS...]\n  NAME: ${names.join(", ")}`);
  process.exit(2);
}
if (!existsSync(`${root}dist/index-node.js`)) {
  console.error("example: dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const stem = name.replace(/\.ts$/, "");
const outfile = `${root}.build/examples/${stem}.mjs`;
await build({ entryPoints: [`${root}examples/${stem}.ts`], bundle: true, packages: "external", platform: "node", format: "esm", target: "node20", outfile, sourcemap: true, logLevel: "warning" });
const child = spawn(process.execPath, ["--enable-source-maps", outfile, ...args], { stdio: "inherit" });
// A long-running example (the bidder service) stops on SIGINT/SIGTERM: pass them on rather than orphan it.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
