#!/usr/bin/env node
// `npm run build`: tsup over tsup.config.ts, printing a line per step (each
// build's start and finish, with its time) instead of tsup's line per output
// file (hundreds: the edge core is built one file per module) or, with
// --silent, nothing for a minute. Warnings and errors pass through.
// Usage: node scripts/build.mjs [tsup flags...]
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
// tsup's per-file size lines ("[edge core] ESM dist/x.js 1.20 KB") and its CLI preamble.
const perFile = /^(\[[^\]]+\] )?(ESM|CJS|DTS|IIFE) \S+\s+[\d.]+ (B|KB|MB)\s*$/;
const preamble = /^(\[[^\]]+\] )?CLI /;

console.log("build: dist/ and .build/examples/ with tsup (tsup.config.ts); declarations take longest");
// Emptied here, once, rather than by a tsup block's `clean`, which would race
// the other blocks' declaration files (see tsup.config.ts).
rmSync(`${root}dist`, { recursive: true, force: true });
const tsup = spawn(process.execPath, [`${root}node_modules/tsup/dist/cli-default.js`, ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  stdio: ["ignore", "pipe", "pipe"],
});
for (const [stream, out] of [[tsup.stdout, process.stdout], [tsup.stderr, process.stderr]]) {
  createInterface({ input: stream }).on("line", (raw) => {
    const line = raw.replace(/\x1b\[[\d;]*m/g, "").replace(/⚡️ /g, "").trimEnd();
    if (!line || perFile.test(line) || preamble.test(line)) return;
    out.write(`build: ${line} (${seconds()})\n`);
  });
}
tsup.on("close", (code) => {
  if (code === 0) console.log(`build: done in ${seconds()}`);
  else console.error(`build: tsup failed (exit ${code}) after ${seconds()}`);
  process.exit(code ?? 1);
});
