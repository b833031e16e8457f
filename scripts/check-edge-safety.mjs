#!/usr/bin/env node
// Fails when code outside the Node-only modules reaches a `node:` builtin, or
// when any source uses eval / new Function (edge runtimes forbid both).
// Node-only: paths with a `node`, `server` or `cli` folder or a `-node` file.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const nodeOnly = /(^|\/|-)(node|server|cli)([/.-]|$)/;
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) check(p);
  }
}

function check(file) {
  const rel = relative(root, file);
  const text = readFileSync(file, "utf8");
  if (!nodeOnly.test(relative(join(root, "src"), file))) {
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)["'](node:[^"']+|fs|net|tls|http2?|https|os|path|child_process)["']/g)) {
      problems.push(`${rel}: imports ${m[1]} outside a Node-only module`);
    }
  }
  const code = text.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  if (/\beval\s*\(|\bnew\s+Function\s*\(/.test(code)) problems.push(`${rel}: uses eval or new Function`);
}

walk(join(root, "src"));
if (problems.length) {
  console.error(`edge safety: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("edge safety: no node: imports outside Node-only modules, no eval / new Function in src/");
