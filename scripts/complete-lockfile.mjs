#!/usr/bin/env node
// The npm registry reachable here does not serve other platforms' builds of
// packages with native binaries (@rollup/rollup-darwin-arm64, ...), so
// `npm install` leaves them out of package-lock.json, and `npm ci` then
// refuses the lock ("Missing: ... from lock file"). This adds an entry for
// each such optional dependency, with the os/cpu/libc its name states: npm ci
// skips them here as platform-incompatible, and fetches them by version on
// the platforms they are for. Run after any `npm install`; `--check` fails
// when an entry is missing.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;

const osNames = ["darwin", "linux", "win32", "android", "freebsd", "openbsd", "netbsd", "openharmony", "sunos", "aix"];
const cpuNames = { arm64: "arm64", x64: "x64", ia32: "ia32", arm: "arm", armv7: "arm", loong64: "loong64", ppc64: "ppc64", riscv64: "riscv64", s390x: "s390x" };

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((p) => osNames.includes(p));
  const cpu = parts.map((p) => cpuNames[p]).find(Boolean);
  if (!os || !cpu) return undefined;
  const libc = parts.includes("musl") || parts.includes("musleabihf") ? "musl" : parts.some((p) => p === "gnu" || p === "glibc" || p === "gnueabihf") ? "glibc" : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
}

const added = [];
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const where = `node_modules/${name}`;
    if (packages[where] || !/^\d+\.\d+\.\d+/.test(version)) continue;
    const platform = platformOf(name);
    if (!platform) continue; // not a per-platform binary: leave it to npm
    packages[where] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added.push(`${name}@${version} (for ${key || "the root"})`);
  }
}

if (process.argv.includes("--check")) {
  if (added.length) {
    console.error(`package-lock.json lacks ${added.length} platform entries; run node scripts/complete-lockfile.mjs`);
    process.exit(1);
  }
  console.log("package-lock.json has every platform entry npm ci needs");
} else {
  lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length ? `added ${added.length} platform entries:\n  ${added.join("\n  ")}` : "nothing to add");
}
