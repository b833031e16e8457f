#!/usr/bin/env node
// Fails when two folders of src/ import each other (folder A imports a module
// of folder B, and B imports one of A), directly or around a longer loop of
// folders. Folders that lean on each other cannot be read, tested or moved
// one at a time; the layer stack reads best as a one-way street.
//
//   node scripts/check-folder-cycles.mjs          # exit 1 and list the loops
//   node scripts/check-folder-cycles.mjs --report # list them, exit 0
//
// A folder is the first path segment under src/ (src/tcp/socket/x.ts belongs
// to tcp); files directly in src/ (index.ts and friends) are entry points and
// sit above every folder, so they are left out.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const reportOnly = process.argv.includes("--report");

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

const folderOf = (file) => {
  const parts = relative(src, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
};

// folder -> folder -> one example "file imports file", for the message
const edges = new Map();
for (const file of sourceFiles(src)) {
  const from = folderOf(file);
  if (!from) continue;
  const text = readFileSync(file, "utf8");
  // static imports and re-exports, type-only ones included (they still tie the folders together), and import()
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    const target = resolve(dirname(file), specifier);
    if (!target.startsWith(src + sep)) continue;
    const to = folderOf(target);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const out = edges.get(from);
    if (!out.has(to)) out.set(to, `${relative(root, file)} imports ${specifier}`);
  }
}

// Strongly connected components (Tarjan): every component of two or more folders is a loop.
let index = 0;
const indices = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function visit(v) {
  indices.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!indices.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)));
  }
  if (low.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) components.push(component.sort());
  }
}
for (const folder of [...edges.keys()].sort()) if (!indices.has(folder)) visit(folder);

if (components.length === 0) {
  console.log(`src/: no import cycles between folders (${edges.size} folders import others)`);
  process.exit(0);
}
console.log(`src/: ${components.length} group(s) of folders that import each other:`);
for (const component of components) {
  console.log(`\n  ${component.join(", ")}`);
  for (const from of component) {
    for (const [to, example] of edges.get(from) ?? []) {
      if (component.includes(to)) console.log(`    ${from} -> ${to}: ${example}`);
    }
  }
}
process.exit(reportOnly ? 0 : 1);
