#!/usr/bin/env node
// Checks what `npm pack` would publish (`npm run build` first): every file
// package.json points at is there, source maps ship with the code, and no
// tests, fixtures, benchmarks, examples or sources leak into the package.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
const [report] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
const files = new Set(report.files.map((f) => f.path));
const problems = [];

// Every path in "exports", "main", "module", "types" and "bin".
const targets = [];
const collect = (v) => {
  if (typeof v === "string") targets.push(v);
  else if (v && typeof v === "object") Object.values(v).forEach(collect);
};
collect(pkg.exports);
collect([pkg.main, pkg.module, pkg.types, pkg.bin]);
for (const t of new Set(targets)) {
  const path = t.replace(/^\.\//, "");
  if (path === "package.json") continue;
  if (!files.has(path)) problems.push(`missing ${path} (referenced by package.json)`);
}

// The license, and the notices of the code the build copies in (scripts/third-party-notices.mjs).
for (const f of ["LICENSE", "THIRD_PARTY_NOTICES.md"]) if (!files.has(f)) problems.push(`missing ${f}`);

const forbidden = [
  [/^(test|tests|__tests__)\//, "tests"],
  [/\.(test|spec)\.[cm]?[jt]s$/, "tests"],
  [/(^|\/)fixtures?\//, "fixtures"],
  [/^bench\//, "benchmarks"],
  [/^examples\//, "examples"],
  [/^src\//, "sources"],
  [/^\.build\//, "build scratch"],
  [/^scripts\//, "scripts"],
  [/^etc\//, "API report"],
];
for (const f of files) {
  for (const [pattern, what] of forbidden) if (pattern.test(f)) problems.push(`${f}: ${what} must not be published`);
}

// Source maps: each published .js/.cjs carries its map.
let code = 0;
for (const f of files) {
  if (!/\.(c|m)?js$/.test(f)) continue;
  code++;
  if (!files.has(`${f}.map`)) problems.push(`${f}: no source map (${f}.map)`);
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`package ${report.name}@${report.version}: ${report.entryCount} files, ${kib(report.size)} packed, ${kib(report.unpackedSize)} unpacked, ${code} code files with source maps`);
if (problems.length) {
  console.error(`package check: ${problems.length} problem(s)\n  ${problems.slice(0, 50).join("\n  ")}`);
  process.exit(1);
}
console.log("package check: every entry present, source maps present, no tests, fixtures, benchmarks or sources");
